import Fleet
import Foundation

/// What the next step of the Liquid Metal docs needs from a converged environment: where each
/// flintlockd listens, the certificates a CAPMVM `MicrovmCluster` connects with, the reserved
/// cluster API address, and whether the workstation's route into the VLAN is approved.
/// `fleet output` prints it; rendering is pure.
public struct HandOff: Sendable, Equatable, Encodable {
    /// One flintlock host.
    public struct Endpoint: Sendable, Equatable, Encodable {
        /// Device name.
        public var host: String
        /// `<vlan address>:<port>`, what a `MicrovmCluster`'s placement lists.
        public var endpoint: String
        /// Mutual TLS (false: `flintlock.tls` is off, the API is unauthenticated).
        public var tls: Bool
        /// The host certificate's last day (controller copy), nil when none is issued.
        public var certificateExpires: String?
        /// Days left on it.
        public var certificateDaysLeft: Int?

        enum CodingKeys: String, CodingKey {
            case host, endpoint, tls
            case certificateExpires = "certificate_expires", certificateDaysLeft = "certificate_days_left"
        }
    }

    /// The state of the hub's subnet route, read from the hub's `tailscale-up` check.
    public enum RouteState: String, Sendable, Equatable, Encodable {
        case approved
        case waitingForApproval = "waiting for approval"
        case notAdvertised = "not advertised"
        case noTailscale = "no tailscale section"
        case unknown
    }

    /// Flintlock hosts, in inventory order.
    public var endpoints: [Endpoint]
    /// `network.reserved`: the cluster API VIP among them.
    public var reserved: [String]
    /// The VLAN subnet.
    public var subnet: String
    /// The subnet route through the hub.
    public var route: RouteState
    /// Why the route state is what it is, when it is not plainly approved.
    public var routeDetail: String?
    /// The CA certificate a client trusts the hosts by.
    public var caCertificate: String?
    /// The client certificate and key for the cluster side.
    public var clientCertificate: String?
    /// The client key (0600 on the controller; never printed, only its path).
    public var clientKey: String?
    /// The client certificate's last day.
    public var clientExpires: String?
    /// What is missing before the hand-off is complete (empty when it is).
    public var missing: [String]

    enum CodingKeys: String, CodingKey {
        case endpoints, reserved, subnet, route, missing
        case routeDetail = "route_detail", caCertificate = "ca_certificate", clientCertificate = "client_certificate"
        case clientKey = "client_key", clientExpires = "client_expires"
    }

    /// The hand-off of `inventory` from the credentials on the controller and the route state.
    public static func make(inventory: Inventory, credentials: FlintlockCredentials?, route: RouteState,
                            routeDetail: String? = nil, now: Date = Date()) -> HandOff {
        let flintlock = inventory.flintlock
        let tls = flintlock?.tls ?? false
        var missing: [String] = []
        let hosts = flintlock == nil ? [] : inventory.devices.filter { $0.role == .host }
        let endpoints = hosts.map { device -> Endpoint in
            let server = credentials?.servers[device.name]?.issued
            if tls, server == nil || server?.renewalDue == true {
                missing.append("\(device.name): no current server certificate (run fleet up)")
            }
            return Endpoint(host: device.name,
                            endpoint: "\(device.vlanAddress.map(String.init(describing:)) ?? "?"):\(flintlock?.grpcPort ?? 9090)",
                            tls: tls, certificateExpires: server?.certificate.expiryDay,
                            certificateDaysLeft: server?.certificate.daysLeft(now: now))
        }
        let client = credentials?.client
        if tls, client == nil || client?.renewalDue == true {
            missing.append("the client certificate \(FlintlockCredentials.clientName) is not issued or due (run fleet up)")
        }
        switch route {
        case .approved, .noTailscale: break
        case .waitingForApproval: missing.append("the subnet route waits for approval in the Tailscale admin console")
        case .notAdvertised: missing.append("the hub does not advertise the subnet route (run fleet up)")
        case .unknown: missing.append("the route state could not be read from the hub")
        }
        return HandOff(endpoints: endpoints, reserved: inventory.network?.reserved.map(\.description) ?? [],
                       subnet: inventory.network?.subnet.description ?? "", route: route, routeDetail: routeDetail,
                       caCertificate: tls ? credentials?.authority.certificatePath : nil,
                       clientCertificate: tls ? client?.certificatePath : nil,
                       clientKey: tls ? client?.keyPath : nil, clientExpires: client?.certificate.expiryDay,
                       missing: missing)
    }

    /// The route state from the hub's `tailscale-up` check result (nil: not run).
    public static func routeState(from result: StepResult?) -> RouteState {
        guard let result else { return .unknown }
        switch result.status {
        case .ok:
            return result.warnings.contains { $0.contains("not approved") } ? .waitingForApproval : .approved
        case .drift: return .notAdvertised
        default: return .unknown
        }
    }

    /// Why the route is not plainly approved: the check's last line without its `NOTE: ` or
    /// `WARNING: ` mark; nil when it is approved or the check did not run.
    public static func routeDetail(from result: StepResult?) -> String? {
        guard routeState(from: result) != .approved,
              let last = result?.evidence.split(separator: "\n").last.map(String.init) else { return nil }
        let mark = StepResult.warningPrefixes.first { last.hasPrefix($0) }
        return mark.map { String(last.dropFirst($0.count)) } ?? last
    }

    /// Complete: every certificate issued and the route approved (or no Tailscale).
    public var isComplete: Bool { missing.isEmpty }

    /// The human rendering.
    public var text: String {
        var lines = ["flintlock endpoints:"]
        for endpoint in endpoints {
            let security = endpoint.tls
                ? "mutual TLS, certificate until \(endpoint.certificateExpires ?? "(not issued)")"
                    + (endpoint.certificateDaysLeft.map { " (\($0) days left)" } ?? "")
                : "NO TLS (flintlock.tls is false)"
            lines.append("  \(endpoint.host)  \(endpoint.endpoint)  \(security)")
        }
        if endpoints.isEmpty { lines.append("  (none: the inventory has no flintlock section)") }
        if endpoints.contains(where: \.tls) {
            lines.append("client credentials (for CAPMVM):")
            lines.append("  CA certificate      \(caCertificate ?? "(none yet)")")
            lines.append("  client certificate  \(clientCertificate ?? "(not issued)")"
                + (clientExpires.map { " (until \($0))" } ?? ""))
            lines.append("  client key          \(clientKey ?? "(not issued)")")
        }
        lines.append("cluster API VIP (reserved): \(reserved.isEmpty ? "(none reserved in network.reserved)" : reserved.joined(separator: ", "))")
        lines.append("VLAN subnet: \(subnet), route through the hub: \(route.rawValue)"
            + (routeDetail.map { " (\($0))" } ?? ""))
        if !missing.isEmpty {
            lines.append("not complete:")
            lines += missing.map { "  - \($0)" }
        }
        return lines.joined(separator: "\n")
    }

    /// One JSON object (sorted keys), for `--json`.
    public var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}
