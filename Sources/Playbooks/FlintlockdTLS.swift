import Fleet

/// The files behind flintlockd's mutual TLS on a MicroVM host, from the environment's CA on
/// the controller (``FlintlockCredentials``).
///
/// - `flintlockd-tls-dir`: `/etc/opt/flintlockd/tls`, 0700.
/// - `flintlockd-client-ca`: the CA certificate flintlockd validates clients against
///   (`tls-client-ca`); the same CA signed the host's own certificate.
/// - `flintlockd-certificate`: the host's server certificate for its VLAN address and name;
///   the title says until when it is valid, the check shows what the host holds.
/// - `flintlockd-key`: its key, 0600, sensitive: never shown, logged or put in argv.
///
/// A host whose certificate is not issued yet, no longer fits its address, or is due for
/// renewal gets steps whose check fails with that reason (drift); `up` issues before planning,
/// so its steps always carry the certificate.
enum FlintlockdTLS {
    static let directory = "/etc/opt/flintlockd/tls"
    static let certificatePath = directory + "/server.crt"
    static let keyPath = directory + "/server.key"
    static let clientCAPath = directory + "/client-ca.crt"

    static func steps(_ context: PlaybookContext) -> [Step] {
        let dir = Step.directory(id: "flintlockd-tls-dir", path: directory, mode: "0700",
                                 title: "flintlockd TLS directory \(directory)",
                                 managedEntries: ["server.crt", "server.key", "client-ca.crt"])
        guard let tls = context.tls else {
            let reason = "no certificate authority exists for this inventory yet"
            return [dir] + placeholders(context, reason: reason)
        }
        let caDay = tls.authority.certificate.expiryDay
        let clientCA = Step.file(id: StepID.flintlockdClientCA, path: clientCAPath, content: tls.authority.certificate.pem,
                                 title: "flintlockd client CA \(clientCAPath) (the environment's CA, until \(caDay))")
        guard let server = tls.servers[context.device.name], !server.issued.renewalDue else {
            let due = tls.servers[context.device.name].map {
                "the certificate for \(context.address) expires in \($0.issued.certificate.daysLeft(now: tls.preparedAt)) days"
                    + " (\($0.issued.certificate.expiryDay))"
            }
            let reason = due ?? "no certificate for \(context.address) has been issued to \(context.device.name) yet"
            return [dir, clientCA] + placeholders(context, reason: reason).dropFirst()
        }
        let certificate = server.issued.certificate
        let certificateStep = Step.file(
            id: StepID.flintlockdCertificate, path: certificatePath, content: certificate.pem,
            title: "flintlockd certificate for \(context.address) (until \(certificate.expiryDay),"
                + " \(certificate.daysLeft(now: tls.preparedAt)) days left)")
            .checkingAlso(held)
        var keyStep = Step.file(id: StepID.flintlockdKey, path: keyPath, content: server.privateKey, mode: "0600",
                                title: "flintlockd key \(keyPath)", sensitive: true)
        // Every line of the key too, so that no fragment of it survives redaction.
        keyStep.secrets += server.privateKey.split(separator: "\n").map(String.init).filter { !$0.hasPrefix("-----") }
        return [dir, clientCA, certificateStep, keyStep]
    }

    /// Steps in the place of the CA, certificate and key that cannot be written yet: their
    /// check fails with `reason`, and teardown still removes what an earlier run wrote.
    static func placeholders(_ context: PlaybookContext, reason: String) -> [Step] {
        let message = "\(reason): `fleet up` issues it from the environment's CA on the controller"
        return [(StepID.flintlockdClientCA, clientCAPath, "flintlockd client CA \(clientCAPath)"),
                (StepID.flintlockdCertificate, certificatePath, "flintlockd certificate for \(context.address)"),
                (StepID.flintlockdKey, keyPath, "flintlockd key \(keyPath)")].map { id, path, title in
            var step = Step.file(id: id, path: path, content: "", title: title)
            step.check = Snippet.fail(message)
            step.apply = Snippet.fail(message)
            return step
        }
    }

    /// What certificate the host holds, as evidence next to the content comparison (openssl
    /// comes with ca-certificates, which the host packages install).
    static let held = Snippet.assign("p", certificatePath) + "\n" + #"""
        if [ -f "$p" ] && command -v openssl >/dev/null 2>&1; then
          openssl x509 -in "$p" -noout -subject -enddate -ext subjectAltName 2>&1 | sed 's/^/host holds: /'
        fi
        exit 0
        """#

    /// The listening check's addition: the endpoint serves the certificate in the file (a
    /// TLS 1.3 server sends it before it asks for the client's, so no client key is needed).
    ///
    /// A handshake that yields no certificate at all is tried twice more, 3 s apart: a
    /// flintlockd restarted a moment ago (or a host too busy to finish a handshake in 20 s, as
    /// the lab's emulated hosts were under load) is not yet evidence of the wrong certificate.
    static let served = Snippet.assign("cert", certificatePath) + "\n" + #"""
        want=$(openssl x509 -in "$cert" -noout -fingerprint -sha256 2>/dev/null)
        for try in 1 2 3; do
          got=$(timeout 20 openssl s_client -connect "$ep" -alpn h2 </dev/null 2>/dev/null | openssl x509 -noout -fingerprint -sha256 2>/dev/null)
          [ -z "$got" ] && [ "$try" != 3 ] || break
          sleep 3
        done
        if [ -z "$want" ] || [ "$got" != "$want" ]; then
          echo "flintlockd on $ep does not serve the certificate in $cert (served: ${got:-no TLS certificate}; file: ${want:-unreadable})"
          exit 1
        fi
        """#
}
