import Fleet

/// Reads firewalld's state for a check in one `python3` start-up: runtime and permanent zones,
/// policies and direct rules, over firewalld's D-Bus API, printed exactly as `firewall-cmd`'s
/// `--list-all-zones`, `--list-all-policies` and `--direct --get-all-rules` print them (seen
/// byte-identical on the lab's firewalld 1.3), so the parsers and the evidence stay the same.
///
/// Why not `firewall-cmd`: each one is a Python start-up plus its own D-Bus set-up, 6 to 11 s on
/// the lab's emulated hub, and a check needs six listings; this reader took 5 s for all of them.
/// `python3` and its `dbus` module come with firewalld (python3-firewall depends on them); where
/// the module (or `python3`) is missing, the same listings come from `firewall-cmd`, one start-up each.
/// Applies still change state through `firewall-cmd`, the documented interface. In a batch that
/// changes nothing (``Batch/changesNothing``: a `check`, the checks before an `up`'s applies) the
/// first reading is kept in `FLEET_READS` and serves every later check, so the hub reads
/// firewalld once for `nat-forwarding` and `nat-rules`; an apply's verify reads afresh.
enum FirewalldState {
    /// Shell: `fw_state`, which sets `fw_zones`, `fw_policies`, `fw_pzones`, `fw_ppolicies`,
    /// `fw_direct` and `fw_pdirect` (runtime, then permanent), or returns 1 with the reason in
    /// `fw_error` ("not running" when firewalld is down).
    static let function = #"""
        # fw_cmd ARGS…: firewall-cmd's output in fw_out; on failure fw_error says why ("not
        # running" only when firewalld is down: its exit 252, or its own words).
        fw_cmd() {
          fw_out=$(firewall-cmd "$@" 2>&1) && return 0
          fw_c=$?
          case "$fw_c:$fw_out" in
            252:*|*"FirewallD is not running"*) fw_error="not running" ;;
            *) fw_error="firewall-cmd $* failed (exit $fw_c): $(printf '%s\n' "$fw_out" | tail -n 1)" ;;
          esac
          return 1
        }
        # fw_load DIR: the six listings from the files a reading left in DIR.
        fw_load() {
          fw_zones=$(cat "$1/zones") fw_policies=$(cat "$1/policies") fw_pzones=$(cat "$1/pzones")
          fw_ppolicies=$(cat "$1/ppolicies") fw_direct=$(cat "$1/direct") fw_pdirect=$(cat "$1/pdirect")
        }
        fw_state() {
          # A batch that changes nothing keeps one reading for all its checks (FLEET_READS).
          fw_k=${FLEET_READS:+$FLEET_READS/firewalld}
          if [ -n "$fw_k" ] && [ -f "$fw_k/complete" ]; then
            fw_load "$fw_k"
            return 0
          fi
          fw_t=$(mktemp -d) || { fw_error="mktemp failed"; return 1; }
          python3 - "$fw_t" 2>"$fw_t/error" <<'FLEET_FIREWALLD_READER'
        import shlex, sys
        out = sys.argv[1]
        try:
            import dbus
        except ImportError as e:
            sys.stderr.write("python3 has no dbus module (%s)\n" % e)
            sys.exit(3)
        N = "org.fedoraproject.FirewallD1"
        P = "/org/fedoraproject/FirewallD1"
        try:
            bus = dbus.SystemBus()
            def method(path, iface, name):
                return bus.get_object(N, path, introspect=False).get_dbus_method(name, N + iface)
            def words(v):
                return " ".join(str(x) for x in v)
            def pairs(v):
                return " ".join("%s/%s" % (a, b) for a, b in v)
            def block(name, s, policy, active):
                lines = [name + (" (active)" if name in active else "")]
                if policy:
                    lines += ["  priority: %d" % int(s.get("priority", -1)), "  target: %s" % s.get("target", "CONTINUE"),
                              "  ingress-zones: " + words(s.get("ingress_zones", [])),
                              "  egress-zones: " + words(s.get("egress_zones", []))]
                else:
                    lines += ["  target: %s" % s.get("target", "default"),
                              "  icmp-block-inversion: " + ("yes" if s.get("icmp_block_inversion") else "no"),
                              "  interfaces: " + words(s.get("interfaces", [])), "  sources: " + words(s.get("sources", []))]
                lines += ["  services: " + words(sorted(s.get("services", []))), "  ports: " + pairs(s.get("ports", [])),
                          "  protocols: " + words(s.get("protocols", []))]
                if not policy:
                    lines.append("  forward: " + ("yes" if s.get("forward") else "no"))
                lines += ["  masquerade: " + ("yes" if s.get("masquerade") else "no"), "  forward-ports: "]
                lines += ["\tport=%s:proto=%s:toport=%s:toaddr=%s" % tuple(str(x) for x in f) for f in s.get("forward_ports", [])]
                lines += ["  source-ports: " + pairs(s.get("source_ports", [])), "  icmp-blocks: " + words(s.get("icmp_blocks", [])),
                          "  rich rules: "]
                lines += ["\t" + str(r) for r in s.get("rich_rules" if policy else "rules_str", [])]
                return "\n".join(lines) + "\n"
            def rules(listing):
                return "".join("%s %s %s %d %s\n" % (ipv, table, chain, int(prio), " ".join(shlex.quote(str(a)) for a in args))
                               for ipv, table, chain, prio, args in listing)
            def write(name, text):
                with open("%s/%s" % (out, name), "w") as f:
                    f.write(text)
            zones = {str(z) for z in method(P, ".zone", "getActiveZones")()}
            policies = {str(p) for p in method(P, ".policy", "getActivePolicies")()}
            listing = lambda blocks: "".join(b + "\n" for b in blocks)
            write("zones", listing(block(str(z), method(P, ".zone", "getZoneSettings2")(z), False, zones)
                                   for z in sorted(method(P, ".zone", "getZones")())))
            write("policies", listing(block(str(p), method(P, ".policy", "getPolicySettings")(p), True, policies)
                                      for p in sorted(method(P, ".policy", "getPolicies")())))
            write("direct", rules(method(P, ".direct", "getAllRules")()))
            C = P + "/config"
            write("pzones", listing(block(str(z), method(method(C, ".config", "getZoneByName")(z), ".config.zone", "getSettings2")(), False, zones)
                                    for z in sorted(method(C, ".config", "getZoneNames")())))
            write("ppolicies", listing(block(str(p), method(method(C, ".config", "getPolicyByName")(p), ".config.policy", "getSettings")(), True, policies)
                                       for p in sorted(method(C, ".config", "getPolicyNames")())))
            write("pdirect", rules(method(C, ".config.direct", "getAllRules")()))
        except dbus.exceptions.DBusException as e:
            name = e.get_dbus_name() or ""
            if name.endswith((".ServiceUnknown", ".NameHasNoOwner", ".NoReply")):
                sys.stderr.write("not running\n")
            else:
                sys.stderr.write("%s: %s\n" % (name, e.get_dbus_message()))
            sys.exit(1)
        FLEET_FIREWALLD_READER
          fw_rc=$?
          fw_error=$(cat "$fw_t/error" 2>/dev/null)
          if [ "$fw_rc" = 0 ]; then
            fw_load "$fw_t"
          elif [ "$fw_rc" = 3 ] || [ "$fw_rc" = 127 ]; then
            fw_rc=0 fw_error=
            fw_cmd --list-all-zones && fw_zones=$fw_out && fw_cmd --list-all-policies && fw_policies=$fw_out &&
              fw_cmd --permanent --list-all-zones && fw_pzones=$fw_out &&
              fw_cmd --permanent --list-all-policies && fw_ppolicies=$fw_out &&
              fw_cmd --direct --get-all-rules && fw_direct=$fw_out &&
              fw_cmd --permanent --direct --get-all-rules && fw_pdirect=$fw_out || fw_rc=1
          fi
          rm -rf -- "$fw_t"
          [ "$fw_rc" = 0 ] || { fw_error=${fw_error:-"the firewalld reader failed (exit $fw_rc)"}; return 1; }
          if [ -n "$fw_k" ] && mkdir -p -- "$fw_k"; then
            printf '%s' "$fw_zones" >"$fw_k/zones"; printf '%s' "$fw_policies" >"$fw_k/policies"
            printf '%s' "$fw_pzones" >"$fw_k/pzones"; printf '%s' "$fw_ppolicies" >"$fw_k/ppolicies"
            printf '%s' "$fw_direct" >"$fw_k/direct"; printf '%s' "$fw_pdirect" >"$fw_k/pdirect"
            : >"$fw_k/complete"
          fi
          return 0
        }
        # named LISTING NAME: a zone or policy called NAME heads a block of LISTING.
        named() { printf '%s\n' "$1" | awk -v n="$2" '/^[^ \t]/ && $1 == n { f = 1 } END { exit !f }'; }

        """#
}
