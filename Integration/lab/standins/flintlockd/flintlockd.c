/*
 * flintlockd -- fleet lab STAND-IN, not the real flintlock.
 *
 * The real flintlockd (github.com/liquidmetal-dev/flintlock, v0.11.0) cannot be downloaded in
 * the lab. This program copies what a playbook can observe of it, rule by rule from upstream:
 *
 *   CLI (internal/command/root.go, run/run.go, flags/flags.go, pkg/log/flags.go; cobra+pflag):
 *     the same commands (run, version, help, completion) and flags, with the same defaults and
 *     value forms; unknown flags fail with cobra's "Error: unknown flag: --x" (exit 1). There is
 *     no --config flag. `version` prints "flintlock v0.11.0".
 *   Config (viper, root.go initCobra): a file named "config" (config.yaml, config.yml, ...) in
 *     /etc/opt/flintlockd or ~/.config/flintlockd, keys = flag names (case-insensitive), unknown
 *     keys ignored; FLINTLOCKD_<FLAG-NAME> environment variables; flags win. Only block-style
 *     top-level "key: value" YAML is understood; a file that is not valid YAML is ignored as a
 *     whole, as viper's ignored ReadInConfig error does.
 *   Start (run.go PreRunE): needs parent-iface or bridge-name and a known default-provider,
 *     else exit 1. Everything after that (TLS validation, containerd, listener) happens in the
 *     server goroutines: a failure is logged ("failed serving api: ...") and the daemon then
 *     stays running WITHOUT an API until SIGINT (SIGTERM kills it, as Go's default does).
 *     Order: TLS validation (internal/config/validation.go), containerd dial (one dial, retried
 *     on ENOENT until 10 s like containerd's dialer; refused fails at once), TLS files
 *     (pkg/auth/tls.go), then net.Listen("tcp", grpc-endpoint).
 *   TLS (pkg/auth/tls.go LoadTLSForGRPC, grpc-go v1.68.0 credentials; OpenSSL 3 here): unless
 *     `insecure`, the API is served inside real TLS as the real daemon's gRPC server is:
 *     tls-cert (a PEM chain) and tls-key are loaded like tls.LoadX509KeyPair ("reading tls key
 *     pair: ...", Go's PEM and mismatch messages); TLS 1.3 only (MinVersion TLS13); tls-client-ca,
 *     when set, is the client CA pool (the CERTIFICATE blocks that parse, as AppendCertsFromPEM;
 *     every one a trust anchor); tls-client-validate = RequireAndVerifyClientCert, otherwise no
 *     client certificate is requested. ALPN as grpc-go: "h2" is selected when offered; a client
 *     offering other protocols gets the no_application_protocol alert (Go's negotiateALPN), except
 *     one offering "http/1.1", which Go lets through without ALPN; a handshake that ends without
 *     ALPN is closed at once, unserved (grpc-go >= 1.67 enforces ALPN). A plain-TCP client, a TLS
 *     1.2 client, one without a (valid) client certificate under mTLS get no answer either.
 *     Handshake and reads time out after 5 s (grpc-go: 120 s), one connection at a time.
 *
 * The API on grpc-endpoint is NOT gRPC: inside that TLS (plain TCP when insecure) it is a
 * one-line text protocol (one request line, one answer line, then the server closes; no HTTP/2,
 * no protobuf, no gRPC metadata; the basic-auth token is a prefix of the line):
 *     [basic TOKEN ]microvm create NAME tap|macvtap -> ok NAME TAPNAME mvm-NAME | error MESSAGE
 *     [basic TOKEN ]microvm delete NAME             -> ok NAME deleted | error MESSAGE
 *     [basic TOKEN ]microvm list                    -> ok NAME1,NAME2 (just "ok" when none)
 *     anything else                                 -> error unknown request
 * ("basic TOKEN " is required when basic-auth-token is set.) NAME is [a-z0-9-]{1,20}.
 * create does on the host what flintlock does for a MicroVM's network
 * (infrastructure/network/network_service.go, core/application/commands.go): with the
 * firecracker provider a macvtap interface is refused; a tap needs bridge-name and that bridge;
 * the tap is "fltap" + 7 hex digits (flintlock's NewIfaceName; here derived from NAME, not
 * random), up, master bridge-name. Then, instead of firecracker, a relay process holds the tap
 * open (carrier) and copies Ethernet frames between it and an AF_PACKET socket on the veth
 * "flveth" + the same 7 hex digits, whose peer is eth0 in netns "mvm-NAME" (lo and eth0 up,
 * MAC 02:00 + 4 bytes from NAME): that netns is "the guest". MicroVMs are recorded under
 * <state-dir>/vm/default/NAME/; relays outlive the daemon (KillMode=process) and end when
 * their tap or netns is deleted.
 */
/* every snprintf here writes into a bounded buffer on purpose: truncation is acceptable */
#pragma GCC diagnostic ignored "-Wformat-truncation"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/ethtool.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <linux/sockios.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#define VERSION "v0.11.0"
#define COMMIT "7112122"
#define BUILD_DATE "2026-07-19T19:50:50Z"
#define STANDIN "(fleet lab stand-in, not the real flintlock)"
#define CONFIG_DIR "/etc/opt/flintlockd"
#define NS "default"

/* ---------------------------------------------------------------------------------------- */
/* flags (pflag semantics)                                                                   */

enum ftype { F_STRING, F_BOOL, F_INT, F_DURATION };
enum { C_ROOT = 1, C_RUN = 2, C_VERSION = 4, C_COMPLETION = 8, C_HELP = 16 };

struct flag {
    const char *name;
    char shorthand;
    enum ftype type;
    const char *def;
    const char *usage;
    int hidden;
    int persistent; /* defined on the root, inherited by every command */
    int cmds;       /* commands that define it locally */
    char value[512];
    int changed;
};

static struct flag flags[] = {
    /* root persistent flags (pkg/log/flags.go) */
    {"verbosity", 'v', F_INT, "0", "The verbosity level of the logging. A level of 2 and above is debug logging. A level of 9 and above is tracing.", 0, 1, 0, "", 0},
    {"log-format", 0, F_STRING, "text", "The format of the logging output. Can be 'text' or 'json'.", 0, 1, 0, "", 0},
    {"log-output", 0, F_STRING, "stderr", "The output for logging. Supply a file path or one of the special values of 'stdout' and 'stderr'.", 0, 1, 0, "", 0},
    /* run (internal/command/flags/flags.go) */
    {"grpc-endpoint", 0, F_STRING, "localhost:9090", "The endpoint for the gRPC server to listen on.", 0, 0, C_RUN, "", 0},
    {"state-dir", 0, F_STRING, "/var/lib/flintlock", "The directory to use for the as the root for runtime state.", 0, 0, C_RUN, "", 0},
    {"resync-period", 0, F_DURATION, "10m0s", "Reconcile the specs to resynchronise them based on this period.", 0, 0, C_RUN, "", 0},
    {"deleteMicroVM-timeout", 0, F_DURATION, "10s", "The timeout for deleting a microvm.", 0, 0, C_RUN, "", 0},
    {"basic-auth-token", 0, F_STRING, "", "The token to use for very basic token based authentication.", 0, 0, C_RUN, "", 0},
    {"insecure", 0, F_BOOL, "false", "Run the gRPC server insecurely (i.e. without TLS). Not recommended.", 0, 0, C_RUN, "", 0},
    {"tls-cert", 0, F_STRING, "", "Path to the certificate to use for TLS.", 0, 0, C_RUN, "", 0},
    {"tls-key", 0, F_STRING, "", "Path to the key to use for TLS.", 0, 0, C_RUN, "", 0},
    {"tls-client-validate", 0, F_BOOL, "false", "Validate the certificates of clients calling the gRPC server.", 0, 0, C_RUN, "", 0},
    {"tls-client-ca", 0, F_STRING, "", "Path to the certificate to use when validating client certificates.", 0, 0, C_RUN, "", 0},
    {"containerd-socket", 0, F_STRING, "/run/containerd/containerd.sock", "The path to the containerd socket.", 0, 0, C_RUN, "", 0},
    {"containerd-kernel-ss", 0, F_STRING, "native", "The name of the snapshotter to use with containerd for kernel/initrd images.", 0, 0, C_RUN, "", 0},
    {"containerd-ns", 0, F_STRING, "flintlock", "The name of the containerd namespace to use.", 0, 0, C_RUN, "", 0},
    {"firecracker-bin", 0, F_STRING, "firecracker", "The path to the firecracker binary to use.", 0, 0, C_RUN, "", 0},
    {"firecracker-detach", 0, F_BOOL, "true", "If true the child firecracker processes will be detached from the parent flintlock process.", 0, 0, C_RUN, "", 0},
    {"cloudhypervisor-bin", 0, F_STRING, "cloud-hypervisor-static", "The path to the cloud hypervisor binary to use.", 0, 0, C_RUN, "", 0},
    {"cloudhypervisor-detach", 0, F_BOOL, "true", "If true the child cloud hypervisor processes will be detached from the parent flintlock process.", 0, 0, C_RUN, "", 0},
    {"default-provider", 0, F_STRING, "firecracker", "The name of the microvm provider to use by default if not supplied in the create request.", 0, 0, C_RUN, "", 0},
    {"debug-endpoint", 0, F_STRING, "", "The endpoint for the debug web server to listen on. It must include a port (e.g. localhost:10500).  An empty string means disable the debug endpoint.", 0, 0, C_RUN, "", 0},
    {"enable-http", 0, F_BOOL, "false", "Should the API be exposed via HTTP.", 0, 0, C_RUN, "", 0},
    {"http-endpoint", 0, F_STRING, "localhost:8090", "The endpoint for the HTTP proxy to the gRPC service to listen on.", 0, 0, C_RUN, "", 0},
    {"virtiofs-bin", 0, F_STRING, "/usr/libexec/virtiofsd", "The path to the virtiofs binary to use.", 0, 0, C_RUN, "", 0},
    {"parent-iface", 0, F_STRING, "", "The parent iface for the network interfaces. Note it could also be a bond", 0, 0, C_RUN, "", 0},
    {"bridge-name", 0, F_STRING, "", "The name of the Linux bridge to attach tap devices to by default", 0, 0, C_RUN, "", 0},
    {"disable-reconcile", 0, F_BOOL, "false", "Set to true to stop the reconciler running", 1, 0, C_RUN, "", 0},
    {"maximum-retry", 0, F_INT, "10", "Number of times to retry failed reconciliation", 1, 0, C_RUN, "", 0},
    {"disable-api", 0, F_BOOL, "false", "Set to true to stop the api server running", 1, 0, C_RUN, "", 0},
    /* version (root.go versionCommand) */
    {"long", 0, F_BOOL, "false", "Print long version information", 0, 0, C_VERSION, "", 0},
    {"short", 0, F_BOOL, "false", "Print short version information", 0, 0, C_VERSION, "", 0},
    /* completion (cobra's default command) */
    {"no-descriptions", 0, F_BOOL, "false", "disable completion descriptions", 0, 0, C_COMPLETION, "", 0},
};
#define NFLAGS (sizeof flags / sizeof flags[0])

static int help_requested;

static const char *cmd_name(int cmd) {
    switch (cmd) {
    case C_RUN: return "run";
    case C_VERSION: return "version";
    case C_COMPLETION: return "completion";
    case C_HELP: return "help";
    default: return "";
    }
}

static int applies(const struct flag *f, int cmd) { return f->persistent || (f->cmds & cmd); }

static struct flag *flag_by_name(const char *name, int cmd) {
    for (size_t i = 0; i < NFLAGS; i++)
        if (applies(&flags[i], cmd) && strcmp(flags[i].name, name) == 0) return &flags[i];
    return NULL;
}

static struct flag *flag_by_short(char c, int cmd) {
    for (size_t i = 0; i < NFLAGS; i++)
        if (applies(&flags[i], cmd) && flags[i].shorthand == c) return &flags[i];
    return NULL;
}

static struct flag *F(const char *name) {
    for (size_t i = 0; i < NFLAGS; i++)
        if (strcmp(flags[i].name, name) == 0) return &flags[i];
    fprintf(stderr, "internal error: no flag %s\n", name);
    exit(2);
}
static const char *get(const char *name) { return F(name)->value; }
static int getb(const char *name) { return strcmp(get(name), "true") == 0; }
static long geti(const char *name) { return strtol(get(name), NULL, 10); }

/* strconv.ParseBool */
static int parse_bool(const char *s, int *out) {
    static const char *t[] = {"1", "t", "T", "TRUE", "true", "True"};
    static const char *f[] = {"0", "f", "F", "FALSE", "false", "False"};
    for (size_t i = 0; i < 6; i++) {
        if (strcmp(s, t[i]) == 0) return *out = 1, 0;
        if (strcmp(s, f[i]) == 0) return *out = 0, 0;
    }
    return -1;
}

/* time.ParseDuration, normalised to Go's String() form for the common cases. */
static int parse_duration(const char *s, double *ns) {
    const char *p = s;
    double total = 0;
    int neg = 0;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    if (strcmp(p, "0") == 0) return *ns = 0, 0;
    if (*p == 0) return -1;
    while (*p) {
        char *end;
        if (!isdigit((unsigned char)*p) && *p != '.') return -1;
        double v = strtod(p, &end);
        if (end == p) return -1;
        p = end;
        double unit;
        if (strncmp(p, "ns", 2) == 0) unit = 1, p += 2;
        else if (strncmp(p, "us", 2) == 0) unit = 1e3, p += 2;
        else if (strncmp(p, "\xc2\xb5s", 3) == 0) unit = 1e3, p += 3;
        else if (strncmp(p, "ms", 2) == 0) unit = 1e6, p += 2;
        else if (*p == 's') unit = 1e9, p++;
        else if (*p == 'm') unit = 60e9, p++;
        else if (*p == 'h') unit = 3600e9, p++;
        else return -1;
        total += v * unit;
    }
    *ns = neg ? -total : total;
    return 0;
}

static void fmt_duration(double ns, char *out, size_t n) {
    long long t = (long long)ns;
    if (t == 0) {
        snprintf(out, n, "0s");
        return;
    }
    long long s = t / 1000000000LL, frac = t % 1000000000LL;
    long long h = s / 3600, m = (s % 3600) / 60, sec = s % 60;
    char secs[64];
    if (frac) {
        snprintf(secs, sizeof secs, "%lld.%09lld", sec, frac);
        char *e = secs + strlen(secs) - 1;
        while (*e == '0') *e-- = 0;
    } else {
        snprintf(secs, sizeof secs, "%lld", sec);
    }
    if (h) snprintf(out, n, "%lldh%lldm%ss", h, m, secs);
    else if (m) snprintf(out, n, "%lldm%ss", m, secs);
    else snprintf(out, n, "%ss", secs);
}

static char errbuf[2048];

static const char *flag_label(const struct flag *f) {
    static char b[160];
    if (f->shorthand) snprintf(b, sizeof b, "-%c, --%s", f->shorthand, f->name);
    else snprintf(b, sizeof b, "--%s", f->name);
    return b;
}

/* Flag.Set: returns 0, or -1 with errbuf set to pflag's message. */
static int flag_set(struct flag *f, const char *v) {
    switch (f->type) {
    case F_BOOL: {
        int b;
        if (parse_bool(v, &b) != 0) {
            snprintf(errbuf, sizeof errbuf, "invalid argument \"%s\" for \"%s\" flag: strconv.ParseBool: parsing \"%s\": invalid syntax", v, flag_label(f), v);
            return -1;
        }
        snprintf(f->value, sizeof f->value, "%s", b ? "true" : "false");
        break;
    }
    case F_INT: {
        char *end;
        errno = 0;
        long long x = strtoll(v, &end, 0);
        if (*v == 0 || *end != 0 || errno != 0 || x > INT_MAX || x < INT_MIN) {
            snprintf(errbuf, sizeof errbuf, "invalid argument \"%s\" for \"%s\" flag: strconv.ParseInt: parsing \"%s\": %s", v, flag_label(f), v, errno ? "value out of range" : "invalid syntax");
            return -1;
        }
        snprintf(f->value, sizeof f->value, "%lld", x);
        break;
    }
    case F_DURATION: {
        double ns;
        if (parse_duration(v, &ns) != 0) {
            snprintf(errbuf, sizeof errbuf, "invalid argument \"%s\" for \"%s\" flag: time: invalid duration \"%s\"", v, flag_label(f), v);
            return -1;
        }
        fmt_duration(ns, f->value, sizeof f->value);
        break;
    }
    case F_STRING:
        snprintf(f->value, sizeof f->value, "%s", v);
        break;
    }
    return 0;
}

/* FlagSet.Parse for command cmd; positional arguments are ignored (run/version take any). */
static int parse_flags(int cmd, int argc, char **argv) {
    for (int i = 0; i < argc; i++) {
        char *a = argv[i];
        if (strcmp(a, "--") == 0) break;
        if (strncmp(a, "--", 2) == 0) {
            char name[256];
            const char *eq = strchr(a + 2, '=');
            snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - (a + 2)) : (int)strlen(a + 2), a + 2);
            if (name[0] == 0 || name[0] == '-' || name[0] == '=') {
                snprintf(errbuf, sizeof errbuf, "bad flag syntax: %s", a);
                return -1;
            }
            if (strcmp(name, "help") == 0) {
                int b = 1;
                if (eq && parse_bool(eq + 1, &b) != 0) {
                    snprintf(errbuf, sizeof errbuf, "invalid argument \"%s\" for \"-h, --help\" flag: strconv.ParseBool: parsing \"%s\": invalid syntax", eq + 1, eq + 1);
                    return -1;
                }
                help_requested = b;
                continue;
            }
            struct flag *f = flag_by_name(name, cmd);
            if (f == NULL) {
                snprintf(errbuf, sizeof errbuf, "unknown flag: --%s", name);
                return -1;
            }
            const char *v;
            if (eq) v = eq + 1;
            else if (f->type == F_BOOL) v = "true";
            else if (i + 1 < argc) v = argv[++i];
            else {
                snprintf(errbuf, sizeof errbuf, "flag needs an argument: --%s", name);
                return -1;
            }
            if (flag_set(f, v) != 0) return -1;
            f->changed = 1;
        } else if (a[0] == '-' && a[1] != 0) {
            for (char *s = a + 1; *s; s++) {
                struct flag *f = flag_by_short(*s, cmd);
                if (f == NULL && *s == 'h') {
                    help_requested = 1;
                    continue;
                }
                if (f == NULL) {
                    snprintf(errbuf, sizeof errbuf, "unknown shorthand flag: '%c' in %s", *s, a);
                    return -1;
                }
                const char *v;
                int rest = 1; /* the value used up the rest of this argument */
                if (s[1] == '=') v = s + 2;
                else if (f->type == F_BOOL) v = "true", rest = 0;
                else if (s[1] != 0) v = s + 1;
                else if (i + 1 < argc) v = argv[++i];
                else {
                    snprintf(errbuf, sizeof errbuf, "flag needs an argument: '%c' in %s", *s, a);
                    return -1;
                }
                if (flag_set(f, v) != 0) return -1;
                f->changed = 1;
                if (rest) break;
            }
        }
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* cobra help / usage                                                                        */

static void flag_usages(FILE *out, int cmd, int inherited) {
    char lines[NFLAGS + 1][160];
    const char *usage[NFLAGS + 1];
    char deflt[NFLAGS + 1][600];
    size_t n = 0, maxlen = 0;
    /* pflag sorts by name; "help" sorts among them */
    const struct flag *sorted[NFLAGS];
    size_t m = 0;
    for (size_t i = 0; i < NFLAGS; i++) {
        const struct flag *f = &flags[i];
        if (f->hidden) continue;
        if (inherited ? !(f->persistent && cmd != C_ROOT) : !((f->cmds & cmd) || (f->persistent && cmd == C_ROOT))) continue;
        sorted[m++] = f;
    }
    for (size_t i = 0; i < m; i++)
        for (size_t j = i + 1; j < m; j++)
            if (strcmp(sorted[j]->name, sorted[i]->name) < 0) {
                const struct flag *t = sorted[i];
                sorted[i] = sorted[j];
                sorted[j] = t;
            }
    int help_done = inherited;
    for (size_t i = 0; i <= m; i++) {
        if (!help_done && (i == m || strcmp("help", sorted[i]->name) < 0)) {
            static char helpusage[64];
            snprintf(helpusage, sizeof helpusage, "help for %s", cmd == C_ROOT ? "flintlockd" : cmd_name(cmd));
            snprintf(lines[n], sizeof lines[n], "  -h, --help");
            usage[n] = helpusage;
            deflt[n][0] = 0;
            if (strlen(lines[n]) + 1 > maxlen) maxlen = strlen(lines[n]) + 1;
            n++;
            help_done = 1;
        }
        if (i == m) break;
        const struct flag *f = sorted[i];
        const char *type = f->type == F_STRING ? " string" : f->type == F_INT ? " int" : f->type == F_DURATION ? " duration" : "";
        if (f->shorthand) snprintf(lines[n], sizeof lines[n], "  -%c, --%s%s", f->shorthand, f->name, type);
        else snprintf(lines[n], sizeof lines[n], "      --%s%s", f->name, type);
        usage[n] = f->usage;
        deflt[n][0] = 0;
        int zero = f->def[0] == 0 || strcmp(f->def, "false") == 0 || strcmp(f->def, "0") == 0 || strcmp(f->def, "0s") == 0;
        if (!zero) {
            if (f->type == F_STRING) snprintf(deflt[n], sizeof deflt[n], " (default \"%s\")", f->def);
            else snprintf(deflt[n], sizeof deflt[n], " (default %s)", f->def);
        }
        if (strlen(lines[n]) + 1 > maxlen) maxlen = strlen(lines[n]) + 1;
        n++;
    }
    for (size_t i = 0; i < n; i++)
        fprintf(out, "%s %*s %s%s\n", lines[i], (int)(maxlen - strlen(lines[i])), "", usage[i], deflt[i]);
}

static void usage_string(FILE *out, int cmd) {
    fprintf(out, "Usage:\n");
    if (cmd == C_ROOT) {
        fprintf(out, "  flintlockd [flags]\n  flintlockd [command]\n\nAvailable Commands:\n"
                     "  completion  Generate the autocompletion script for the specified shell\n"
                     "  help        Help about any command\n"
                     "  run         Start running the flintlock API\n"
                     "  version     Print the version number of flintlock\n");
    } else if (cmd == C_COMPLETION) {
        fprintf(out, "  flintlockd completion [command]\n\nAvailable Commands:\n"
                     "  bash        Generate the autocompletion script for bash\n"
                     "  fish        Generate the autocompletion script for fish\n"
                     "  powershell  Generate the autocompletion script for powershell\n"
                     "  zsh         Generate the autocompletion script for zsh\n");
    } else if (cmd == C_HELP) {
        fprintf(out, "  flintlockd help [command] [flags]\n");
    } else {
        fprintf(out, "  flintlockd %s [flags]\n", cmd_name(cmd));
    }
    fprintf(out, "\nFlags:\n");
    flag_usages(out, cmd, 0);
    if (cmd != C_ROOT) {
        fprintf(out, "\nGlobal Flags:\n");
        flag_usages(out, cmd, 1);
    }
    if (cmd == C_ROOT || cmd == C_COMPLETION)
        fprintf(out, "\nUse \"flintlockd %s[command] --help\" for more information about a command.\n", cmd == C_ROOT ? "" : "completion ");
}

static void help(int cmd) {
    const char *s = cmd == C_ROOT         ? "The flintlock API"
                    : cmd == C_RUN        ? "Start running the flintlock API"
                    : cmd == C_VERSION    ? "Print the version number of flintlock"
                    : cmd == C_COMPLETION ? "Generate the autocompletion script for flintlockd for the specified shell.\nSee each sub-command's help for details on how to use the generated script.\n"
                                          : "Help provides help for any command in the application.\nSimply type flintlockd help [path to command] for full details.";
    printf("%s\n\n", s);
    printf("fleet lab stand-in: this is NOT the real flintlock.\n\n");
    usage_string(stdout, cmd);
}

/* log.Fatalln after cobra's own error output (cmd/flintlockd/main.go). */
static int fatalln(const char *msg) {
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y/%m/%d %H:%M:%S", &tm);
    fprintf(stderr, "%s %s\n", ts, msg);
    return 1;
}

/* cobra: "Error: <err>" + the command's usage on stderr, then main's log.Fatalln: exit 1. */
static int cobra_error(int cmd, const char *msg) {
    fprintf(stderr, "Error: %s\n", msg);
    usage_string(stderr, cmd);
    fprintf(stderr, "\n");
    return fatalln(msg);
}

/* ---------------------------------------------------------------------------------------- */
/* logging (logrus, pkg/log/log.go)                                                          */

enum { L_TRACE = 6, L_DEBUG = 5, L_INFO = 4, L_WARN = 3, L_ERROR = 2, L_FATAL = 1 };
static int log_level = L_INFO;
static int log_json;
static int log_fd = 2;
static char log_path[512];

static void logf_(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(int level, const char *fmt, ...) {
    if (level > log_level) return;
    static const char *names[] = {"", "fatal", "error", "warning", "info", "debug", "trace"};
    char msg[2048], ts[64], tz[16], line[8192];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    time_t now = time(NULL);
    struct tm tm;
    localtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    if (tm.tm_gmtoff == 0) snprintf(tz, sizeof tz, "Z");
    else snprintf(tz, sizeof tz, "%c%02ld:%02ld", tm.tm_gmtoff < 0 ? '-' : '+', labs(tm.tm_gmtoff) / 3600, (labs(tm.tm_gmtoff) % 3600) / 60);
    size_t o = 0;
    if (log_json) {
        o += snprintf(line + o, sizeof line - o, "{\"level\":\"%s\",\"msg\":\"", names[level]);
        for (const char *p = msg; *p && o < sizeof line - 16; p++) {
            unsigned char c = (unsigned char)*p;
            if (c == '"' || c == '\\') o += snprintf(line + o, sizeof line - o, "\\%c", c);
            else if (c == '\n') o += snprintf(line + o, sizeof line - o, "\\n");
            else if (c == '\t') o += snprintf(line + o, sizeof line - o, "\\t");
            else if (c < 0x20 || c == '<' || c == '>' || c == '&') o += snprintf(line + o, sizeof line - o, "\\u%04x", c);
            else line[o++] = (char)c;
        }
        o += snprintf(line + o, sizeof line - o, "\",\"time\":\"%s%s\"}\n", ts, tz);
    } else {
        int quote = 0; /* logrus needsQuoting */
        for (const char *p = msg; *p; p++)
            if (!(isalnum((unsigned char)*p) || strchr("-._/@^+", *p))) quote = 1;
        o += snprintf(line + o, sizeof line - o, "time=\"%s%s\" level=%s msg=", ts, tz, names[level]);
        if (quote) line[o++] = '"';
        for (const char *p = msg; *p && o < sizeof line - 16; p++) {
            unsigned char c = (unsigned char)*p;
            if (quote && (c == '"' || c == '\\')) o += snprintf(line + o, sizeof line - o, "\\%c", c);
            else if (c == '\n') o += snprintf(line + o, sizeof line - o, "\\n");
            else if (c == '\t') o += snprintf(line + o, sizeof line - o, "\\t");
            else if (c < 0x20) o += snprintf(line + o, sizeof line - o, "\\x%02x", c);
            else line[o++] = (char)c;
        }
        if (quote) line[o++] = '"';
        line[o++] = '\n';
        line[o] = 0;
    }
    if (write(log_fd, line, o) < 0) /* as logrus does when its writer fails */
        fprintf(stderr, "Failed to write to log, write %s: %s\n", log_path[0] ? log_path : "/dev/stderr", errno == EBADF ? "bad file descriptor" : strerror(errno));
}
#define log_trace(...) logf_(L_TRACE, __VA_ARGS__)
#define log_debug(...) logf_(L_DEBUG, __VA_ARGS__)
#define log_info(...) logf_(L_INFO, __VA_ARGS__)
#define log_warn(...) logf_(L_WARN, __VA_ARGS__)
#define log_error(...) logf_(L_ERROR, __VA_ARGS__)

/* log.Configure; returns 0 or -1 with errbuf set. */
static int configure_logging(void) {
    long v = geti("verbosity");
    log_level = v >= 9 ? L_TRACE : v >= 2 ? L_DEBUG : L_INFO;
    if (strcmp(get("log-format"), "json") == 0) log_json = 1;
    else if (strcmp(get("log-format"), "text") == 0) log_json = 0;
    else {
        snprintf(errbuf, sizeof errbuf, "configuring logging: configuring log formatter: logger format %s is invalid", get("log-format"));
        return -1;
    }
    char out[512];
    snprintf(out, sizeof out, "%s", get("log-output"));
    for (char *p = out; *p; p++) *p = (char)tolower((unsigned char)*p);
    if (strcmp(out, "stdout") == 0) log_fd = 1;
    else if (strcmp(out, "stderr") == 0) log_fd = 2;
    else if (out[0] == 0) {
        snprintf(errbuf, sizeof errbuf, "configuring logging: configuring log output: you must specify a log output");
        return -1;
    } else {
        /* upstream opens with O_CREATE|O_APPEND and no write mode: the writes then fail */
        int fd = open(out, O_RDONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0777);
        if (fd < 0) {
            snprintf(errbuf, sizeof errbuf, "configuring logging: configuring log output: opening log file %s: open %s: %s", out, out, strerror(errno));
            return -1;
        }
        log_fd = fd;
        snprintf(log_path, sizeof log_path, "%s", out);
    }
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* viper: config file and environment                                                        */

static int ci_eq(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (tolower((unsigned char)*a) != tolower((unsigned char)*b)) return 0;
    return *a == *b;
}

struct kv {
    char key[128];
    char value[512];
};

/* Parses block-style top-level "key: value" YAML. Returns the number of pairs or -1 when the
 * file is not valid YAML as far as this parser can tell (viper then ignores the file). */
static int parse_yaml(const char *path, struct kv *kvs, int max) {
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    char line[1024];
    int n = 0, bad = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = line;
        size_t len = strlen(p);
        while (len && (p[len - 1] == '\n' || p[len - 1] == '\r')) p[--len] = 0;
        if (p[0] == '\t') bad = 1; /* tabs cannot indent YAML */
        char *t = p;
        while (*t == ' ') t++;
        if (*t == 0 || *t == '#') continue;
        if (strcmp(t, "---") == 0 || strcmp(t, "...") == 0) continue;
        if (t != p) continue; /* nested values and list items are not flag keys */
        if (*t == '{' || *t == '[') {
            bad = 1; /* flow style: not understood by the stand-in */
            break;
        }
        char *colon = strstr(t, ": ");
        if (colon == NULL && len && t[strlen(t) - 1] == ':') colon = t + strlen(t) - 1;
        if (colon == NULL) {
            bad = 1;
            break;
        }
        *colon = 0;
        char *k = t, *v = colon + 1;
        size_t kl = strlen(k);
        while (kl && k[kl - 1] == ' ') k[--kl] = 0;
        if ((k[0] == '"' || k[0] == '\'') && kl >= 2 && k[kl - 1] == k[0]) {
            k[kl - 1] = 0;
            k++;
        }
        while (*v == ' ') v++;
        if (*v == '"' || *v == '\'') {
            char q = *v++;
            char *e = strchr(v, q);
            if (e == NULL) {
                bad = 1;
                break;
            }
            *e = 0;
        } else {
            char *c = strstr(v, " #");
            if (c) *c = 0;
            size_t vl = strlen(v);
            while (vl && v[vl - 1] == ' ') v[--vl] = 0;
            if (strcmp(v, "~") == 0 || strcmp(v, "null") == 0) v[0] = 0;
        }
        for (int i = 0; i < n; i++)
            if (strcmp(kvs[i].key, k) == 0) bad = 1; /* yaml.v3: mapping key already defined */
        if (bad) break;
        if (n < max) {
            snprintf(kvs[n].key, sizeof kvs[n].key, "%s", k);
            snprintf(kvs[n].value, sizeof kvs[n].value, "%s", v);
            n++;
        }
    }
    fclose(f);
    return bad ? -1 : n;
}

static const char *find_config(void) {
    static char path[1024];
    static const char *exts[] = {"json", "toml", "yaml", "yml", "properties", "props", "prop", "hcl", "tfvars", "dotenv", "env", "ini"};
    char dirs[2][512];
    const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
    snprintf(dirs[0], sizeof dirs[0], "%s", CONFIG_DIR);
    if (xdg && *xdg) snprintf(dirs[1], sizeof dirs[1], "%s/flintlockd", xdg);
    else snprintf(dirs[1], sizeof dirs[1], "%s/.config/flintlockd", home ? home : "");
    for (int d = 0; d < 2; d++) {
        struct stat st;
        for (size_t e = 0; e < sizeof exts / sizeof exts[0]; e++) {
            snprintf(path, sizeof path, "%s/config.%s", dirs[d], exts[e]);
            if (stat(path, &st) == 0) return path;
        }
        snprintf(path, sizeof path, "%s/config", dirs[d]);
        if (stat(path, &st) == 0) return path;
    }
    return NULL;
}

/* flags.BindCommandToViper: an unchanged flag takes the env var, else the config value.
 * fs.Set errors are ignored, as upstream ignores them. */
static void apply_viper(int cmd) {
    struct kv kvs[128];
    int n = 0;
    const char *cfg = find_config();
    if (cfg) {
        n = parse_yaml(cfg, kvs, 128);
        if (n < 0) n = 0;
    }
    for (size_t i = 0; i < NFLAGS; i++) {
        struct flag *f = &flags[i];
        if (!applies(f, cmd) || f->changed) continue;
        char env[200];
        snprintf(env, sizeof env, "FLINTLOCKD_%s", f->name);
        for (char *p = env; *p; p++) *p = (char)toupper((unsigned char)*p);
        const char *v = getenv(env);
        if (v != NULL) {
            (void)flag_set(f, v);
            continue;
        }
        for (int k = 0; k < n; k++)
            if (ci_eq(kvs[k].key, f->name)) (void)flag_set(f, kvs[k].value);
    }
}

/* ---------------------------------------------------------------------------------------- */
/* small helpers                                                                             */

static volatile sig_atomic_t got_sigint;
static int sigpipe_fds[2] = {-1, -1};

static void on_sigint(int sig) {
    (void)sig;
    got_sigint = 1;
    if (sigpipe_fds[1] >= 0) {
        int e = errno;
        ssize_t r = write(sigpipe_fds[1], "x", 1);
        (void)r;
        errno = e;
    }
}

static uint32_t fnv1a(const char *s, uint32_t h) {
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 16777619u;
    }
    return h;
}

static int valid_name(const char *s) {
    size_t n = strlen(s);
    if (n < 1 || n > 20) return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '-')) return 0;
    return 1;
}

static void close_from(int lowfd) {
    for (int fd = lowfd; fd < 1024; fd++) close(fd);
}

/* Runs argv (PATH search), returns the exit status (or 127 / 128+sig); the first line of its
 * stderr+stdout goes to out. */
static int run_cmd(char *out, size_t outlen, char *const argv[]) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return 127;
    pid_t pid = fork();
    if (pid < 0) return 127;
    if (pid == 0) {
        int devnull = open("/dev/null", O_RDONLY);
        dup2(devnull, 0);
        dup2(p[1], 1);
        dup2(p[1], 2);
        close_from(3);
        execvp(argv[0], argv);
        dprintf(2, "exec: \"%s\": %s\n", argv[0], errno == ENOENT ? "executable file not found in $PATH" : strerror(errno));
        _exit(127);
    }
    close(p[1]);
    char buf[4096];
    size_t got = 0;
    ssize_t r;
    while ((r = read(p[0], buf + got, sizeof buf - 1 - got)) > 0) {
        got += (size_t)r;
        if (got >= sizeof buf - 1) {
            char junk[512];
            while (read(p[0], junk, sizeof junk) > 0) {
            }
            break;
        }
    }
    buf[got] = 0;
    close(p[0]);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    if (out) {
        buf[strcspn(buf, "\n")] = 0;
        snprintf(out, outlen, "%s", buf);
    }
    if (WIFEXITED(st)) return WEXITSTATUS(st);
    return 128 + WTERMSIG(st);
}

#define IP(out, ...)                                                 \
    ({                                                               \
        char *const _a[] = {"ip", __VA_ARGS__, NULL};                \
        run_cmd(out, sizeof(out), _a);                             \
    })

static int link_exists(const char *name) { return if_nametoindex(name) != 0; }

static int netns_exists(const char *name) {
    char p[256];
    snprintf(p, sizeof p, "/run/netns/%s", name);
    return access(p, F_OK) == 0;
}

static int mkdirs(const char *path, mode_t mode) {
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++) {
        if (*p == '/') {
            *p = 0;
            if (mkdir(tmp, mode) != 0 && errno != EEXIST) return -1;
            *p = '/';
        }
    }
    if (mkdir(tmp, mode) != 0 && errno != EEXIST) return -1;
    return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* MicroVM records                                                                           */

struct mvm {
    char name[32];
    char tap[IFNAMSIZ];
    char veth[IFNAMSIZ];
    char netns[64];
    char mac[32];
    char bridge[IFNAMSIZ];
    long pid;
    unsigned long long start;
};

static void mvm_names(struct mvm *m, const char *name) {
    uint32_t h = fnv1a(name, 2166136261u), h2 = fnv1a(name, 0x9e3779b9u);
    char hex[16];
    snprintf(hex, sizeof hex, "%08x", h);
    hex[7] = 0;
    memset(m, 0, sizeof *m);
    snprintf(m->name, sizeof m->name, "%s", name);
    snprintf(m->tap, sizeof m->tap, "fltap%s", hex);
    snprintf(m->veth, sizeof m->veth, "flveth%s", hex);
    snprintf(m->netns, sizeof m->netns, "mvm-%s", name);
    snprintf(m->mac, sizeof m->mac, "02:00:%02x:%02x:%02x:%02x", (h2 >> 24) & 255, (h2 >> 16) & 255, (h2 >> 8) & 255, h2 & 255);
}

static void record_dir(char *out, size_t n, const char *name) { snprintf(out, n, "%s/vm/%s/%s", get("state-dir"), NS, name); }

static int record_save(const struct mvm *m) {
    char dir[1024], path[1100], tmp[1100];
    record_dir(dir, sizeof dir, m->name);
    if (mkdirs(dir, 0755) != 0) return -1;
    snprintf(path, sizeof path, "%s/standin-microvm", dir);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (f == NULL) return -1;
    fprintf(f, "# fleet lab stand-in MicroVM record (not a real flintlock spec)\nname=%s\ntap=%s\nveth=%s\nnetns=%s\nmac=%s\nbridge=%s\npid=%ld\nstart=%llu\n",
            m->name, m->tap, m->veth, m->netns, m->mac, m->bridge, m->pid, m->start);
    if (fclose(f) != 0) return -1;
    return rename(tmp, path);
}

static int record_load(const char *name, struct mvm *m) {
    char dir[1024], path[1100], line[512];
    record_dir(dir, sizeof dir, name);
    snprintf(path, sizeof path, "%s/standin-microvm", dir);
    FILE *f = fopen(path, "r");
    if (f == NULL) return -1;
    mvm_names(m, name);
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = 0;
        char *eq = strchr(line, '=');
        if (!eq) continue;
        *eq = 0;
        const char *v = eq + 1;
        if (strcmp(line, "tap") == 0) snprintf(m->tap, sizeof m->tap, "%s", v);
        else if (strcmp(line, "veth") == 0) snprintf(m->veth, sizeof m->veth, "%s", v);
        else if (strcmp(line, "netns") == 0) snprintf(m->netns, sizeof m->netns, "%s", v);
        else if (strcmp(line, "mac") == 0) snprintf(m->mac, sizeof m->mac, "%s", v);
        else if (strcmp(line, "bridge") == 0) snprintf(m->bridge, sizeof m->bridge, "%s", v);
        else if (strcmp(line, "pid") == 0) m->pid = strtol(v, NULL, 10);
        else if (strcmp(line, "start") == 0) m->start = strtoull(v, NULL, 10);
    }
    fclose(f);
    return 0;
}

static void record_remove(const char *name) {
    char dir[1024], path[1100];
    record_dir(dir, sizeof dir, name);
    snprintf(path, sizeof path, "%s/standin-microvm", dir);
    unlink(path);
    snprintf(path, sizeof path, "%s/firecracker.stderr", dir);
    unlink(path);
    rmdir(dir);
}

/* the process's start time (field 22 of /proc/PID/stat); 0 when it is gone or a zombie */
static unsigned long long proc_start(long pid) {
    char p[64], buf[1024];
    snprintf(p, sizeof p, "/proc/%ld/stat", pid);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    char *s = strrchr(buf, ')');
    if (!s || s[1] != ' ' || s[2] == 'Z' || s[2] == 'X') return 0;
    /* fields after ") ": 3=state ... 22=starttime */
    int field = 2;
    for (char *t = s + 1; *t; t++) {
        if (*t == ' ') {
            field++;
            if (field == 22) return strtoull(t + 1, NULL, 10);
        }
    }
    return 0;
}

static void relay_comm(const struct mvm *m, char *out, size_t n) { snprintf(out, n, "flrelay-%s", m->tap + 5); }

static int relay_alive(const struct mvm *m) {
    if (m->pid <= 0) return 0;
    char p[64], comm[64] = "", want[32];
    snprintf(p, sizeof p, "/proc/%ld/comm", m->pid);
    FILE *f = fopen(p, "r");
    if (!f) return 0;
    if (!fgets(comm, sizeof comm, f)) comm[0] = 0;
    fclose(f);
    comm[strcspn(comm, "\n")] = 0;
    relay_comm(m, want, sizeof want);
    if (strcmp(comm, want) != 0) return 0;
    unsigned long long st = proc_start(m->pid);
    return st != 0 && (m->start == 0 || st == m->start);
}

/* ---------------------------------------------------------------------------------------- */
/* the relay ("the MicroVM")                                                                 */

static int tap_open(const char *name, int persist) {
    int fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
    if (fd < 0) return -1;
    struct ifreq ifr;
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", name);
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    if (persist >= 0 && ioctl(fd, TUNSETPERSIST, persist) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    return fd;
}

static void relay_loop(const struct mvm *m, int ready_fd) {
    char comm[32];
    relay_comm(m, comm, sizeof comm);
    prctl(PR_SET_NAME, comm, 0, 0, 0);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_IGN);
    signal(SIGPIPE, SIG_IGN);
    int tapfd = tap_open(m->tap, -1);
    if (tapfd < 0) {
        dprintf(ready_fd, "opening tap %s: %s\n", m->tap, strerror(errno));
        _exit(1);
    }
    unsigned tap_idx = if_nametoindex(m->tap), veth_idx = if_nametoindex(m->veth);
    int pk = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, htons(ETH_P_ALL));
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof sll);
    sll.sll_family = AF_PACKET;
    sll.sll_protocol = htons(ETH_P_ALL);
    sll.sll_ifindex = (int)veth_idx;
    if (pk < 0 || veth_idx == 0 || bind(pk, (struct sockaddr *)&sll, sizeof sll) != 0) {
        dprintf(ready_fd, "opening packet socket on %s: %s\n", m->veth, strerror(errno));
        _exit(1);
    }
    dprintf(ready_fd, "ok\n");
    close(ready_fd);
    static unsigned char buf[65536 + 64];
    struct pollfd pfd[2] = {{tapfd, POLLIN, 0}, {pk, POLLIN, 0}};
    for (;;) {
        int r = poll(pfd, 2, 1000);
        if (r < 0) {
            if (errno == EINTR) continue;
            _exit(1);
        }
        if (r == 0) {
            /* the tap or the netns (and with it the veth pair) was deleted: the MicroVM ends */
            if (if_nametoindex(m->tap) != tap_idx || if_nametoindex(m->veth) != veth_idx) _exit(0);
            continue;
        }
        if (pfd[0].revents & (POLLERR | POLLHUP | POLLNVAL)) _exit(0);
        if (pfd[1].revents & (POLLERR | POLLHUP | POLLNVAL)) _exit(0);
        if (pfd[0].revents & POLLIN) {
            ssize_t n = read(tapfd, buf, sizeof buf);
            if (n < 0 && errno != EAGAIN && errno != EINTR && errno != EIO) _exit(0);
            if (n > 0 && send(pk, buf, (size_t)n, 0) < 0 && (errno == ENXIO || errno == ENODEV || errno == ENETDOWN)) _exit(0);
        }
        if (pfd[1].revents & POLLIN) {
            struct sockaddr_ll from;
            socklen_t fl = sizeof from;
            ssize_t n = recvfrom(pk, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
            if (n < 0 && errno != EAGAIN && errno != EINTR) _exit(0);
            if (n > 0 && from.sll_pkttype != PACKET_OUTGOING) {
                if (write(tapfd, buf, (size_t)n) < 0 && errno == EBADFD) _exit(0);
            }
        }
    }
}

/* Starts the relay detached (double fork), waits until it holds the tap and the veth. */
static int relay_start(struct mvm *m, char *err, size_t errlen) {
    int p[2];
    if (pipe2(p, O_CLOEXEC) != 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
    int pidp[2];
    if (pipe2(pidp, O_CLOEXEC) != 0) return snprintf(err, errlen, "pipe: %s", strerror(errno)), -1;
    pid_t c = fork();
    if (c < 0) return snprintf(err, errlen, "fork: %s", strerror(errno)), -1;
    if (c == 0) {
        setsid();
        pid_t g = fork();
        if (g != 0) {
            long gp = g;
            ssize_t w = write(pidp[1], &gp, sizeof gp);
            (void)w;
            _exit(g < 0);
        }
        int devnull = open("/dev/null", O_RDWR);
        dup2(devnull, 0);
        dup2(devnull, 1);
        int keep = fcntl(p[1], F_DUPFD, 900);
        for (int fd = 3; fd < 1024; fd++)
            if (fd != keep) close(fd);
        relay_loop(m, keep);
        _exit(0);
    }
    close(p[1]);
    close(pidp[1]);
    long gp = -1;
    if (read(pidp[0], &gp, sizeof gp) != sizeof gp) gp = -1;
    close(pidp[0]);
    int st;
    waitpid(c, &st, 0);
    char msg[512] = "";
    struct pollfd pf = {p[0], POLLIN, 0};
    size_t got = 0;
    while (got < sizeof msg - 1 && poll(&pf, 1, 5000) > 0) {
        ssize_t r = read(p[0], msg + got, sizeof msg - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
        if (memchr(msg, '\n', got)) break;
    }
    msg[got] = 0;
    close(p[0]);
    msg[strcspn(msg, "\n")] = 0;
    if (gp <= 0 || strcmp(msg, "ok") != 0) {
        if (gp > 0) kill((pid_t)gp, SIGKILL);
        snprintf(err, errlen, "starting microvm relay: %s", msg[0] ? msg : "no answer");
        return -1;
    }
    m->pid = gp;
    m->start = proc_start(gp);
    return 0;
}

static void relay_stop(const struct mvm *m) {
    if (!relay_alive(m)) return;
    kill((pid_t)m->pid, SIGTERM);
    for (int i = 0; i < 50 && relay_alive(m); i++) usleep(20000);
    if (relay_alive(m)) kill((pid_t)m->pid, SIGKILL);
}

/* ---------------------------------------------------------------------------------------- */
/* MicroVM network on the host                                                               */

/* ethtool -K eth0 tx off tso off gso off inside the guest netns, so that the frames the relay
 * reads from the veth are complete (checksummed, at most one MTU). */
static void guest_offloads_off(const struct mvm *m) {
    char p[256];
    snprintf(p, sizeof p, "/run/netns/%s", m->netns);
    int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC), target = open(p, O_RDONLY | O_CLOEXEC);
    if (self < 0 || target < 0 || setns(target, CLONE_NEWNET) != 0) {
        if (self >= 0) close(self);
        if (target >= 0) close(target);
        return;
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s >= 0) {
        unsigned cmds[] = {ETHTOOL_STXCSUM, ETHTOOL_STSO, ETHTOOL_SGSO, ETHTOOL_SGRO};
        for (size_t i = 0; i < sizeof cmds / sizeof cmds[0]; i++) {
            struct ethtool_value ev = {cmds[i], 0};
            struct ifreq ifr;
            memset(&ifr, 0, sizeof ifr);
            snprintf(ifr.ifr_name, IFNAMSIZ, "eth0");
            ifr.ifr_data = (void *)&ev;
            ioctl(s, SIOCETHTOOL, &ifr);
        }
        close(s);
    }
    if (setns(self, CLONE_NEWNET) != 0) {
        logf_(L_FATAL, "stand-in: cannot return to the host network namespace: %s", strerror(errno));
        exit(1);
    }
    close(self);
    close(target);
}

static void teardown(const struct mvm *m) {
    char out[512];
    relay_stop(m);
    if (link_exists(m->tap)) IP(out, "link", "del", (char *)m->tap);
    if (link_exists(m->veth)) IP(out, "link", "del", (char *)m->veth);
    if (netns_exists(m->netns)) IP(out, "netns", "del", (char *)m->netns);
}

static void write_sysctl(const char *path, const char *v) {
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    ssize_t r = write(fd, v, strlen(v));
    (void)r;
    close(fd);
}

/* Builds tap, netns, veth and relay for m (m->bridge set). 0, or -1 with err. */
static int build(struct mvm *m, char *err, size_t errlen) {
    char out[2048];
    teardown(m); /* leftovers of this name (same deterministic names) */
    int fd = tap_open(m->tap, 1);
    if (fd < 0) {
        snprintf(err, errlen, "creating network interface: creating interface %s using netlink: %s", m->tap, strerror(errno));
        return -1;
    }
    close(fd);
    if (IP(out, "link", "set", m->tap, "up") != 0) {
        snprintf(err, errlen, "creating network interface: enabling device %s: %s", m->tap, out);
        goto fail;
    }
    if (IP(out, "link", "set", m->tap, "master", m->bridge) != 0) {
        snprintf(err, errlen, "creating network interface: setting master for %s to %s: %s", m->tap, m->bridge, out);
        goto fail;
    }
    if (IP(out, "netns", "add", m->netns) != 0) {
        snprintf(err, errlen, "stand-in: creating netns %s: %s", m->netns, out);
        goto fail;
    }
    if (IP(out, "link", "add", m->veth, "type", "veth", "peer", "name", "eth0", "netns", m->netns) != 0) {
        snprintf(err, errlen, "stand-in: creating veth %s: %s", m->veth, out);
        goto fail;
    }
    char sysctl[256];
    snprintf(sysctl, sizeof sysctl, "/proc/sys/net/ipv6/conf/%s/disable_ipv6", m->veth);
    write_sysctl(sysctl, "1");
    if (IP(out, "link", "set", m->veth, "up") != 0 || IP(out, "-n", m->netns, "link", "set", "lo", "up") != 0 ||
        IP(out, "-n", m->netns, "link", "set", "eth0", "address", m->mac) != 0 ||
        IP(out, "-n", m->netns, "link", "set", "eth0", "up") != 0) {
        snprintf(err, errlen, "stand-in: setting up %s / %s eth0: %s", m->veth, m->netns, out);
        goto fail;
    }
    guest_offloads_off(m);
    if (relay_start(m, err, errlen) != 0) goto fail;
    return 0;
fail:
    teardown(m);
    return -1;
}

/* exec.LookPath + a start of the binary, as the provider would start it. */
static int firecracker_check(const struct mvm *m, char *err, size_t errlen) {
    const char *bin = get("firecracker-bin");
    char out[1024];
    if (strchr(bin, '/') == NULL) {
        const char *path = getenv("PATH");
        char cand[1024];
        int found = 0;
        if (path) {
            char copy[4096];
            snprintf(copy, sizeof copy, "%s", path);
            for (char *save, *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
                snprintf(cand, sizeof cand, "%s/%s", *d ? d : ".", bin);
                if (access(cand, X_OK) == 0) {
                    found = 1;
                    break;
                }
            }
        }
        if (!found) {
            snprintf(err, errlen, "starting firecracker process: starting firecracker process: exec: \"%s\": executable file not found in $PATH", bin);
            return -1;
        }
    } else if (access(bin, X_OK) != 0) {
        snprintf(err, errlen, "starting firecracker process: starting firecracker process: fork/exec %s: %s", bin, strerror(errno));
        return -1;
    }
    char *const argv[] = {(char *)bin, "--version", NULL};
    int rc = run_cmd(out, sizeof out, argv);
    if (rc != 0) {
        char dir[1024], path[1100];
        record_dir(dir, sizeof dir, m->name);
        if (mkdirs(dir, 0755) == 0) {
            snprintf(path, sizeof path, "%s/firecracker.stderr", dir);
            FILE *f = fopen(path, "a");
            if (f) {
                fprintf(f, "%s\n", out);
                fclose(f);
            }
        }
        snprintf(err, errlen, "firecracker process exited: exit status %d: %s", rc, out);
        return -1;
    }
    return 0;
}

static void api_create(const char *name, const char *type, char *reply, size_t n) {
    struct mvm m;
    char err[1536];
    if (!valid_name(name)) {
        snprintf(reply, n, "error an error occurred when attempting to validate microvm spec: invalid name \"%s\" (stand-in: [a-z0-9-]{1,20})", name);
        return;
    }
    if (record_load(name, &m) == 0) {
        snprintf(reply, n, "error microvm spec %s/%s already exists (stand-in: one MicroVM per name)", NS, name);
        return;
    }
    const char *provider = get("default-provider");
    if (strcmp(provider, "firecracker") == 0 && get("firecracker-bin")[0] == 0) {
        snprintf(reply, n, "error microvm provider %s isn't available", provider);
        return;
    }
    if (strcmp(provider, "cloudhypervisor") == 0) {
        snprintf(reply, n, "error fleet lab stand-in: the cloudhypervisor provider is not simulated");
        return;
    }
    /* core/application/commands.go checkProviderCapabilities: no MacvtapCapability */
    if (strcmp(type, "macvtap") == 0) {
        snprintf(reply, n, "error macvtap network interfaces not supported by the microvm provider");
        return;
    }
    /* network_service.go IfaceCreate for a tap that is attached */
    const char *bridge = get("bridge-name");
    if (bridge[0] == 0) {
        snprintf(reply, n, "error creating network interface: a parent network device name is required for attaching a TAP interface");
        return;
    }
    if (!link_exists(bridge)) {
        snprintf(reply, n, "error creating network interface: failed to lookup parent network interface \"%s\": Link not found", bridge);
        return;
    }
    mvm_names(&m, name);
    snprintf(m.bridge, sizeof m.bridge, "%s", bridge);
    if (firecracker_check(&m, err, sizeof err) != 0) {
        snprintf(reply, n, "error %s", err);
        return;
    }
    if (build(&m, err, sizeof err) != 0) {
        snprintf(reply, n, "error %s", err);
        return;
    }
    if (record_save(&m) != 0) {
        snprintf(err, sizeof err, "saving microvm spec: %s", strerror(errno));
        teardown(&m);
        snprintf(reply, n, "error %s", err);
        return;
    }
    log_info("microvm %s/%s created (stand-in: tap %s master %s, relay pid %ld, guest netns %s eth0 %s)", NS, name, m.tap, m.bridge, m.pid, m.netns, m.mac);
    snprintf(reply, n, "ok %s %s %s", name, m.tap, m.netns);
}

static void api_delete(const char *name, char *reply, size_t n) {
    struct mvm m;
    if (!valid_name(name) || record_load(name, &m) != 0) {
        snprintf(reply, n, "error microvm spec %s/%s not found", NS, name);
        return;
    }
    teardown(&m);
    record_remove(name);
    log_info("microvm %s/%s deleted (stand-in)", NS, name);
    snprintf(reply, n, "ok %s deleted", name);
}

static int cmpstr(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* names of the recorded MicroVMs, sorted; returns the count */
static int list_names(char names[][32], int max) {
    char dir[1024];
    snprintf(dir, sizeof dir, "%s/vm/%s", get("state-dir"), NS);
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) && n < max) {
        struct mvm m;
        if (e->d_name[0] == '.' || !valid_name(e->d_name)) continue;
        if (record_load(e->d_name, &m) == 0) snprintf(names[n++], 32, "%s", e->d_name);
    }
    closedir(d);
    char *ptrs[256];
    for (int i = 0; i < n; i++) ptrs[i] = names[i];
    qsort(ptrs, (size_t)n, sizeof ptrs[0], cmpstr);
    char tmp[256][32];
    for (int i = 0; i < n; i++) snprintf(tmp[i], 32, "%s", ptrs[i]);
    for (int i = 0; i < n; i++) snprintf(names[i], 32, "%s", tmp[i]);
    return n;
}

static void api_list(char *reply, size_t n) {
    static char names[256][32];
    int c = list_names(names, 256);
    size_t o = (size_t)snprintf(reply, n, "ok");
    for (int i = 0; i < c && o < n; i++) o += (size_t)snprintf(reply + o, n - o, "%c%s", i ? ',' : ' ', names[i]);
}

/* The controller's start (infrastructure/controllers): MicroVMs whose relay is gone (a host
 * reboot) are built again, as flintlock reconciles a spec whose VM is not running. */
static void reconcile_all(void) {
    static char names[256][32];
    int c = list_names(names, 256);
    for (int i = 0; i < c; i++) {
        struct mvm m;
        char err[1536];
        if (record_load(names[i], &m) != 0) continue;
        if (relay_alive(&m) && link_exists(m.tap) && netns_exists(m.netns)) {
            log_debug("microvm %s/%s is running (relay pid %ld)", NS, m.name, m.pid);
            continue;
        }
        if (!link_exists(m.bridge)) {
            log_error("failed to reconcile microvm %s/%s: creating network interface: failed to lookup parent network interface \"%s\": Link not found", NS, m.name, m.bridge);
            continue;
        }
        if (firecracker_check(&m, err, sizeof err) != 0 || build(&m, err, sizeof err) != 0 || record_save(&m) != 0) {
            log_error("failed to reconcile microvm %s/%s: %s", NS, m.name, err);
            continue;
        }
        log_info("microvm %s/%s reconciled (stand-in: relay pid %ld)", NS, m.name, m.pid);
    }
}

/* The API server's TLS context (tls_load); NULL when insecure: plain TCP. */
static SSL_CTX *api_tls;

/* The reason of the oldest queued OpenSSL error (never key material); clears the queue. */
static const char *ossl_reason(char *buf, size_t n) {
    unsigned long e = ERR_get_error();
    if (e == 0) snprintf(buf, n, "unknown error");
    else {
        const char *r = ERR_reason_error_string(e);
        if (r) snprintf(buf, n, "%s", r);
        else ERR_error_string_n(e, buf, n);
    }
    ERR_clear_error();
    return buf;
}

/* net.Conn.RemoteAddr().String() */
static void peer_name(int c, char *buf, size_t n) {
    struct sockaddr_storage ss;
    socklen_t sl = sizeof ss;
    char host[INET6_ADDRSTRLEN] = "?";
    int port = 0;
    if (getpeername(c, (struct sockaddr *)&ss, &sl) == 0) {
        if (ss.ss_family == AF_INET) {
            inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, host, sizeof host);
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else if (ss.ss_family == AF_INET6) { /* Go prints a v4-mapped address as IPv4 */
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            port = ntohs(a->sin6_port);
            if (!IN6_IS_ADDR_V4MAPPED(&a->sin6_addr)) {
                inet_ntop(AF_INET6, &a->sin6_addr, host, sizeof host);
                snprintf(buf, n, "[%s]:%d", host, port);
                return;
            }
            inet_ntop(AF_INET, &a->sin6_addr.s6_addr[12], host, sizeof host);
        }
    }
    snprintf(buf, n, "%s:%d", host, port);
}

/* ALPN (Go's negotiateALPN with the server's NextProtos ["h2"] that grpc-go sets): select "h2";
 * an offer with "http/1.1" but no "h2" goes on without ALPN (Go issue 46310), grpc then closes;
 * any other offer fails the handshake with the no_application_protocol alert. */
static char alpn_refused[512];
static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
                       unsigned int inlen, void *arg) {
    (void)ssl;
    (void)arg;
    int http11 = 0;
    size_t o = (size_t)snprintf(alpn_refused, sizeof alpn_refused, "tls: client requested unsupported application protocols ([");
    for (unsigned int i = 0; i < inlen && in[i] <= inlen - i - 1; i += 1u + in[i]) {
        const unsigned char *p = in + i + 1;
        unsigned int l = in[i];
        if (l == 2 && memcmp(p, "h2", 2) == 0) {
            *out = p;
            *outlen = 2;
            alpn_refused[0] = 0;
            return SSL_TLSEXT_ERR_OK;
        }
        if (l == 8 && memcmp(p, "http/1.1", 8) == 0) http11 = 1;
        if (o < sizeof alpn_refused)
            o += (size_t)snprintf(alpn_refused + o, sizeof alpn_refused - o, "%s%.*s", i ? " " : "", (int)l, (const char *)p);
    }
    if (o < sizeof alpn_refused) snprintf(alpn_refused + o, sizeof alpn_refused - o, "])");
    if (http11) {
        alpn_refused[0] = 0;
        return SSL_TLSEXT_ERR_NOACK;
    }
    return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* One API connection: plain TCP, or TLS when api_tls is set. */
struct api_conn {
    int fd;
    SSL *ssl;
};

static ssize_t api_read(struct api_conn *c, char *buf, size_t n) {
    if (!c->ssl) return read(c->fd, buf, n);
    size_t got = 0;
    if (SSL_read_ex(c->ssl, buf, n, &got) != 1) {
        ERR_clear_error();
        return -1;
    }
    return (ssize_t)got;
}

static void api_reply(struct api_conn *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void api_reply(struct api_conn *c, const char *fmt, ...) {
    char buf[4200];
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (len < 0) return;
    if ((size_t)len > sizeof buf - 2) len = (int)(sizeof buf - 2);
    buf[len++] = '\n';
    size_t off = 0;
    while (off < (size_t)len) {
        size_t w = 0;
        if (c->ssl) {
            if (SSL_write_ex(c->ssl, buf + off, (size_t)len - off, &w) != 1) {
                ERR_clear_error();
                return;
            }
        } else {
            ssize_t r = write(c->fd, buf + off, (size_t)len - off);
            if (r <= 0) return;
            w = (size_t)r;
        }
        off += w;
    }
}

/* The line protocol: one request line, one answer line. */
static void api_serve(struct api_conn *c) {
    char line[1024];
    size_t got = 0;
    while (got < sizeof line - 1) {
        ssize_t r = api_read(c, line + got, sizeof line - 1 - got);
        if (r <= 0) break;
        got += (size_t)r;
        if (memchr(line, '\n', got)) break;
    }
    line[got] = 0;
    line[strcspn(line, "\r\n")] = 0;
    char *tok[8];
    int nt = 0;
    for (char *save, *t = strtok_r(line, " \t", &save); t && nt < 8; t = strtok_r(NULL, " \t", &save)) tok[nt++] = t;
    char reply[4096];
    int off = 0;
    const char *token = get("basic-auth-token");
    if (token[0]) {
        if (nt >= 2 && strcmp(tok[0], "basic") == 0) {
            if (strcmp(tok[1], token) != 0) {
                api_reply(c, "error invalid auth token: token does not match");
                return;
            }
            off = 2;
        } else {
            api_reply(c, "error could not extract token from request header: Request unauthenticated with basic");
            return;
        }
    }
    nt -= off;
    char **t = tok + off;
    if (nt == 4 && strcmp(t[0], "microvm") == 0 && strcmp(t[1], "create") == 0 &&
        (strcmp(t[3], "tap") == 0 || strcmp(t[3], "macvtap") == 0))
        api_create(t[2], t[3], reply, sizeof reply);
    else if (nt == 3 && strcmp(t[0], "microvm") == 0 && strcmp(t[1], "delete") == 0)
        api_delete(t[2], reply, sizeof reply);
    else if (nt == 2 && strcmp(t[0], "microvm") == 0 && strcmp(t[1], "list") == 0)
        api_list(reply, sizeof reply);
    else
        snprintf(reply, sizeof reply, "error unknown request");
    api_reply(c, "%s", reply);
}

/* grpc-go's ServerHandshake, then the line protocol in place of HTTP/2. Every socket read and
 * write (the handshake's too) times out after 5 s, so a silent client cannot hold the loop. */
static void handle_api(int fd) {
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    struct api_conn c = {fd, NULL};
    if (!api_tls) {
        api_serve(&c);
        return;
    }
    char peer[INET6_ADDRSTRLEN + 16], why[512];
    peer_name(fd, peer, sizeof peer);
    ERR_clear_error();
    c.ssl = SSL_new(api_tls);
    if (!c.ssl || SSL_set_fd(c.ssl, fd) != 1) {
        log_info("api connection from %s closed: tls: %s", peer, ossl_reason(why, sizeof why));
        SSL_free(c.ssl);
        return;
    }
    alpn_refused[0] = 0;
    errno = 0;
    int rc = SSL_accept(c.ssl);
    if (rc != 1) {
        int e = errno, kind = SSL_get_error(c.ssl, rc);
        long vr = SSL_get_verify_result(c.ssl);
        if (alpn_refused[0]) snprintf(why, sizeof why, "%s", alpn_refused);
        else if (kind == SSL_ERROR_SSL && vr != X509_V_OK) snprintf(why, sizeof why, "client certificate: %s", X509_verify_cert_error_string(vr));
        else if (kind == SSL_ERROR_SSL) ossl_reason(why, sizeof why);
        else if (kind == SSL_ERROR_WANT_READ || kind == SSL_ERROR_WANT_WRITE ||
                 (kind == SSL_ERROR_SYSCALL && (e == EAGAIN || e == EWOULDBLOCK)))
            snprintf(why, sizeof why, "i/o timeout"); /* SO_RCVTIMEO/SO_SNDTIMEO expired */
        else if (kind == SSL_ERROR_SYSCALL && e != 0) snprintf(why, sizeof why, "%s", strerror(e));
        else snprintf(why, sizeof why, "EOF");
        ERR_clear_error();
        log_debug("api connection from %s closed: tls handshake failed: %s", peer, why);
        SSL_free(c.ssl);
        return;
    }
    const unsigned char *proto = NULL;
    unsigned int plen = 0;
    SSL_get0_alpn_selected(c.ssl, &proto, &plen);
    if (plen == 0) {
        log_debug("api connection from %s closed: credentials: cannot check peer: missing selected ALPN property", peer);
    } else {
        log_trace("api connection from %s: %s, ALPN %.*s", peer, SSL_get_version(c.ssl), (int)plen, (const char *)proto);
        api_serve(&c);
    }
    SSL_shutdown(c.ssl); /* close_notify, as Go's tls.Conn.Close; the caller closes the socket */
    ERR_clear_error();
    SSL_free(c.ssl);
}

/* ---------------------------------------------------------------------------------------- */
/* the server                                                                                */

/* net.Listen("tcp", ep); returns fd or -1 with errbuf = Go's error text. */
static int go_listen(const char *ep) {
    char host[256], port[64];
    const char *colon = strrchr(ep, ':');
    if (colon == NULL) {
        snprintf(errbuf, sizeof errbuf, "listen tcp: address %s: missing port in address", ep);
        return -1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - ep), ep);
    snprintf(port, sizeof port, "%s", colon + 1);
    if (host[0] == '[') {
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = 0;
    } else if (strchr(host, ':')) {
        snprintf(errbuf, sizeof errbuf, "listen tcp: address %s: too many colons in address", ep);
        return -1;
    }
    char *end;
    long p = strtol(port, &end, 10);
    if (port[0] == 0) p = 0;
    else if (*end != 0 || p < 0 || p > 65535) {
        snprintf(errbuf, sizeof errbuf, "listen tcp: address %s: invalid port", port);
        return -1;
    }
    struct sockaddr_storage ss;
    socklen_t sl;
    memset(&ss, 0, sizeof ss);
    int wildcard = host[0] == 0 || strcmp(host, "0.0.0.0") == 0 || strcmp(host, "::") == 0;
    int fam;
    if (wildcard) {
        /* Go listens dual-stack on [::] for "tcp" with an empty or unspecified host */
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_any;
        a->sin6_port = htons((uint16_t)p);
        sl = sizeof *a;
        fam = AF_INET6;
    } else {
        struct addrinfo hints, *res, *r, *pick = NULL;
        memset(&hints, 0, sizeof hints);
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        int rc = getaddrinfo(host, NULL, &hints, &res);
        if (rc != 0) {
            snprintf(errbuf, sizeof errbuf, "listen tcp: lookup %s: %s", host, rc == EAI_NONAME ? "no such host" : gai_strerror(rc));
            return -1;
        }
        for (r = res; r; r = r->ai_next) /* Go prefers the first IPv4 address */
            if (r->ai_family == AF_INET) {
                pick = r;
                break;
            }
        if (!pick) pick = res;
        memcpy(&ss, pick->ai_addr, pick->ai_addrlen);
        sl = pick->ai_addrlen;
        fam = pick->ai_family;
        if (fam == AF_INET) ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)p);
        else ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)p);
        freeaddrinfo(res);
    }
    int fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 && wildcard) {
        struct sockaddr_in *a = (struct sockaddr_in *)&ss;
        memset(&ss, 0, sizeof ss);
        a->sin_family = AF_INET;
        a->sin_port = htons((uint16_t)p);
        sl = sizeof *a;
        fam = AF_INET;
        fd = socket(fam, SOCK_STREAM | SOCK_CLOEXEC, 0);
    }
    if (fd < 0) {
        snprintf(errbuf, sizeof errbuf, "listen tcp %s: socket: %s", ep, strerror(errno));
        return -1;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fam == AF_INET6 && wildcard) setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof zero);
    if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 4096) != 0) {
        const char *why = errno == EADDRNOTAVAIL ? "bind: cannot assign requested address"
                          : errno == EADDRINUSE  ? "bind: address already in use"
                          : errno == EACCES      ? "bind: permission denied"
                                                 : strerror(errno);
        snprintf(errbuf, sizeof errbuf, "listen tcp %s: %s", ep, why);
        close(fd);
        return -1;
    }
    return fd;
}

/* containerd.New: one dial with a 10 s timeout. containerd's dialer retries while the socket
 * does not exist; any other error (refused, permission) fails at once. */
static int containerd_dial(void) {
    const char *sock = get("containerd-socket");
    const char *path = strncmp(sock, "unix://", 7) == 0 ? sock + 7 : sock;
    struct timespec t0, now;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (;;) {
        int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_un sa;
        memset(&sa, 0, sizeof sa);
        sa.sun_family = AF_UNIX;
        snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
        int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
        int e = errno;
        close(fd);
        if (rc == 0) return 0;
        if (e != ENOENT) {
            snprintf(errbuf, sizeof errbuf, "creating containerd client: failed to dial \"%s\": connection error: desc = \"transport: error while dialing: dial unix %s: connect: %s\"", sock, path,
                     e == ECONNREFUSED ? "connection refused" : e == EACCES ? "permission denied" : strerror(e));
            return -1;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if ((now.tv_sec - t0.tv_sec) * 1000 + (now.tv_nsec - t0.tv_nsec) / 1000000 >= 10000 || got_sigint) {
            snprintf(errbuf, sizeof errbuf, "creating containerd client: failed to dial \"%s\": context deadline exceeded", sock);
            return -1;
        }
        usleep(10000);
    }
}

/* Go's syscall.Errno text: glibc's, lower-cased ("no such file or directory"). */
static const char *go_errstr(int e) {
    static char buf[128];
    snprintf(buf, sizeof buf, "%s", strerror(e));
    buf[0] = (char)tolower((unsigned char)buf[0]);
    return buf;
}

/* crypto/tls.X509KeyPair's PEM checks, before OpenSSL parses anything (tls_load). */
static int pem_check(const char *path, int want_key, char *err, size_t n) {
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, n, "open %s: %s", path, go_errstr(errno));
        return -1;
    }
    char line[1024], skipped[512] = "";
    int any = 0, found = 0, cert_in_key = 0;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "-----BEGIN ", 11) != 0) continue;
        char type[128];
        snprintf(type, sizeof type, "%s", line + 11);
        char *e = strstr(type, "-----");
        if (!e) continue;
        *e = 0;
        any = 1;
        size_t tl = strlen(type);
        if (!want_key && strcmp(type, "CERTIFICATE") == 0) found = 1;
        else if (want_key && (strcmp(type, "PRIVATE KEY") == 0 || (tl > 12 && strcmp(type + tl - 12, " PRIVATE KEY") == 0))) found = 1;
        else {
            if (want_key && strcmp(type, "CERTIFICATE") == 0) cert_in_key = 1;
            size_t sl = strlen(skipped);
            snprintf(skipped + sl, sizeof skipped - sl, "%s%s", sl ? " " : "", type);
        }
    }
    fclose(f);
    if (found) return 0;
    const char *what = want_key ? "key" : "certificate";
    if (!any) snprintf(err, n, "tls: failed to find any PEM data in %s input", what);
    else if (cert_in_key) snprintf(err, n, "tls: found a certificate rather than a key in the PEM for the private key");
    else if (want_key) snprintf(err, n, "tls: failed to find PEM block with type ending in \"PRIVATE KEY\" in key input after skipping PEM blocks of the following types: [%s]", skipped);
    else snprintf(err, n, "tls: failed to find \"CERTIFICATE\" PEM block in certificate input after skipping PEM blocks of the following types: [%s]", skipped);
    return -1;
}

/* TLSConfig.Validate (internal/config/validation.go) */
static int tls_validate(char *err, size_t n) {
    const char *cert = get("tls-cert"), *key = get("tls-key"), *ca = get("tls-client-ca");
    struct stat st;
    if (getb("insecure")) {
        if (key[0] || cert[0]) return snprintf(err, n, "cannot specify tls certificate details when running insecurely"), -1;
        return 0;
    }
    if (!cert[0]) return snprintf(err, n, "certificate file path is required when running securely"), -1;
    if (!key[0]) return snprintf(err, n, "certificate key file path is required when running securely"), -1;
    if (getb("tls-client-validate") && !ca[0]) return snprintf(err, n, "client certificate key file path is required when running mTLS"), -1;
    if (stat(cert, &st) != 0 && errno == ENOENT) return snprintf(err, n, "certificate file %s does not exist", cert), -1;
    if (stat(key, &st) != 0 && errno == ENOENT) return snprintf(err, n, "key file %s does not exist", key), -1;
    if (getb("tls-client-validate") && stat(ca, &st) != 0 && errno == ENOENT) return snprintf(err, n, "client CA file %s does not exist", ca), -1;
    return 0;
}

/* No passphrase prompt: Go's LoadX509KeyPair cannot decrypt an encrypted key either. */
static int no_passphrase(char *buf, int size, int rwflag, void *u) {
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return -1;
}

/* x509.CertPool.AppendCertsFromPEM into the context's verify store and client CA list: every
 * "CERTIFICATE" block without headers that parses; the others are skipped. Returns the count. */
static int ca_pool_load(SSL_CTX *ctx, const char *path) {
    BIO *b = BIO_new_file(path, "r");
    if (!b) return 0;
    X509_STORE *store = SSL_CTX_get_cert_store(ctx);
    int count = 0;
    char *name = NULL, *header = NULL;
    unsigned char *data = NULL;
    long len = 0;
    while (PEM_read_bio(b, &name, &header, &data, &len) == 1) {
        if (strcmp(name, "CERTIFICATE") == 0 && header[0] == 0) {
            const unsigned char *p = data;
            X509 *x = d2i_X509(NULL, &p, len);
            if (x && X509_STORE_add_cert(store, x) == 1 && SSL_CTX_add_client_CA(ctx, x) == 1) count++;
            X509_free(x);
        }
        OPENSSL_free(name);
        OPENSSL_free(header);
        OPENSSL_free(data);
        name = header = NULL;
        data = NULL;
    }
    BIO_free(b);
    ERR_clear_error();
    /* Go trusts every certificate of the pool as a root, self-signed or not */
    X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    return count;
}

/* auth.LoadTLSForGRPC (pkg/auth/tls.go) + grpc-go's credentials.NewTLS: builds api_tls. */
static int tls_load(char *err, size_t n) {
    char e[1024];
    const char *certf = get("tls-cert"), *keyf = get("tls-key"), *ca = get("tls-client-ca");
    /* tls.X509KeyPair: the PEM blocks first, with Go's messages */
    if (pem_check(certf, 0, e, sizeof e) != 0 || pem_check(keyf, 1, e, sizeof e) != 0)
        return snprintf(err, n, "reading tls key pair: %s", e), -1;
    ERR_clear_error();
    SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
    if (!ctx) return snprintf(err, n, "reading tls key pair: %s", ossl_reason(e, sizeof e)), -1;
    SSL_CTX_set_default_passwd_cb(ctx, no_passphrase);
    /* tls.Config{MinVersion: tls.VersionTLS13} */
    if (SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1) {
        snprintf(err, n, "reading tls key pair: %s", ossl_reason(e, sizeof e));
        goto fail;
    }
    /* the certificate chain: the first certificate is the leaf (x509.ParseCertificate) */
    if (SSL_CTX_use_certificate_chain_file(ctx, certf) != 1) {
        log_debug("tls-cert %s: %s", certf, ossl_reason(e, sizeof e));
        snprintf(err, n, "reading tls key pair: x509: malformed certificate");
        goto fail;
    }
    BIO *kb = BIO_new_file(keyf, "r");
    EVP_PKEY *key = kb ? PEM_read_bio_PrivateKey(kb, NULL, no_passphrase, NULL) : NULL;
    BIO_free(kb);
    if (!key) {
        log_debug("tls-key %s: %s", keyf, ossl_reason(e, sizeof e));
        snprintf(err, n, "reading tls key pair: tls: failed to parse private key");
        goto fail;
    }
    EVP_PKEY *pub = X509_get0_pubkey(SSL_CTX_get0_certificate(ctx));
    int pt = pub ? EVP_PKEY_get_base_id(pub) : EVP_PKEY_NONE;
    if (pt != EVP_PKEY_RSA && pt != EVP_PKEY_EC && pt != EVP_PKEY_ED25519)
        snprintf(err, n, "reading tls key pair: tls: unknown public key algorithm");
    else if (EVP_PKEY_get_base_id(key) != pt)
        snprintf(err, n, "reading tls key pair: tls: private key type does not match public key type");
    else if (EVP_PKEY_eq(pub, key) != 1 || SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1)
        snprintf(err, n, "reading tls key pair: tls: private key does not match public key");
    else
        err[0] = 0;
    EVP_PKEY_free(key);
    ERR_clear_error();
    if (err[0]) goto fail;
    if (ca[0]) {
        FILE *f = fopen(ca, "r");
        if (!f) {
            snprintf(err, n, "reading CA cert file %s: open %s: %s", ca, ca, go_errstr(errno));
            goto fail;
        }
        fclose(f);
        if (ca_pool_load(ctx, ca) == 0) {
            snprintf(err, n, "could not append CACert to cert pool");
            goto fail;
        }
    }
    /* ClientAuth: RequireAndVerifyClientCert, else NoClientCert (no CertificateRequest) */
    SSL_CTX_set_verify(ctx, getb("tls-client-validate") ? SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT : SSL_VERIFY_NONE, NULL);
    SSL_CTX_set_alpn_select_cb(ctx, alpn_select, NULL);
    SSL_CTX_set_num_tickets(ctx, 1); /* crypto/tls sends one session ticket */
    api_tls = ctx;
    return 0;
fail:
    SSL_CTX_free(ctx);
    ERR_clear_error();
    return -1;
}

static void http_standin(int c, const char *what) {
    char buf[2048];
    struct timeval tv = {2, 0};
    setsockopt(c, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ssize_t r = read(c, buf, sizeof buf);
    (void)r;
    const char *body = "fleet lab stand-in: flintlockd has no HTTP gateway or debug server here\n";
    dprintf(c, "HTTP/1.1 501 Not Implemented\r\nContent-Type: text/plain\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n%s", strlen(body), body);
    (void)what;
}

static int cmd_run(void) {
    /* PreRunE */
    log_info("flintlockd, version=%s, built_on=%s, commit=%s", VERSION, BUILD_DATE, COMMIT);
    if (get("parent-iface")[0] == 0 && get("bridge-name")[0] == 0)
        return cobra_error(C_RUN, "you must supply at least one of parent interface, bridge name");
    const char *prov = get("default-provider");
    if (strcmp(prov, "firecracker") != 0 && strcmp(prov, "cloudhypervisor") != 0) {
        char m[700];
        snprintf(m, sizeof m, "the provided default provider name %s isn't a supported provider", prov);
        return cobra_error(C_RUN, m);
    }
    log_info("Default microvm provider: %s", prov);

    /* runServer */
    log_info("flintlockd grpc api server starting " STANDIN ": the API on grpc-endpoint is a one-line text protocol instead of gRPC, %s",
             getb("insecure") ? "over plain TCP (insecure)"
             : getb("tls-client-validate") ? "inside TLS 1.3 with ALPN h2 and required client certificates (mTLS)"
                                           : "inside TLS 1.3 with ALPN h2, no client certificates");
    if (pipe2(sigpipe_fds, O_CLOEXEC | O_NONBLOCK) != 0) return 1;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigaction(SIGINT, &sa, NULL); /* only os.Interrupt is caught; SIGTERM kills, as in Go */
    signal(SIGPIPE, SIG_IGN);

    int cancelled = 0, api_fd = -1, http_fd = -1, debug_fd = -1, grpc_server = 0;
    char err[2048];
    if (get("debug-endpoint")[0]) {
        log_warn("Debug endpoint is ENABLED at %s", get("debug-endpoint"));
        debug_fd = go_listen(get("debug-endpoint"));
        if (debug_fd < 0) {
            logf_(L_FATAL, "starting debug endpoint: %s", errbuf);
            return 1;
        }
    }
    if (getb("enable-http")) {
        log_debug("starting http server listening on endpoint %s", get("http-endpoint"));
        http_fd = go_listen(get("http-endpoint"));
        if (http_fd < 0) {
            log_error("failed serving http api: listening and serving http api: %s", errbuf);
            cancelled = 1;
        }
    }
    int want_api = !getb("disable-api"), want_ctrl = !getb("disable-reconcile");
    if (want_api && !cancelled && tls_validate(err, sizeof err) != 0) {
        log_error("failed serving api: validating tls config: %s", err);
        want_api = 0;
        cancelled = 1;
    }
    if ((want_api || want_ctrl) && !cancelled) {
        if (containerd_dial() != 0) {
            if (want_api) log_error("failed serving api: initialising ports for application: %s", errbuf);
            if (want_ctrl) log_error("failed running controllers: initialising ports for controller: %s", errbuf);
            cancelled = 1;
        } else if (get("firecracker-bin")[0] == 0 && get("cloudhypervisor-bin")[0] == 0) {
            if (want_api) log_error("failed serving api: initialising ports for application: you must enable at least 1 microvm provider");
            if (want_ctrl) log_error("failed running controllers: initialising ports for controller: you must enable at least 1 microvm provider");
            cancelled = 1;
        }
    }
    if (want_ctrl && !cancelled) {
        log_info("starting microvm controller");
        reconcile_all();
    }
    if (want_api && !cancelled) {
        if (get("basic-auth-token")[0]) log_info("basic authentication is enabled");
        else log_warn("basic authentication is DISABLED");
        if (!getb("insecure")) {
            log_info("TLS is enabled");
            if (tls_load(err, sizeof err) != 0) {
                log_error("failed serving api: %s", err);
                cancelled = 1;
            }
        } else {
            log_warn("TLS is DISABLED");
        }
        if (!cancelled) {
            grpc_server = 1;
            log_debug("starting grpc server listening on endpoint %s", get("grpc-endpoint"));
            api_fd = go_listen(get("grpc-endpoint"));
            if (api_fd < 0) {
                log_error("failed serving api: setting up gRPC api listener: %s", errbuf);
                cancelled = 1;
            }
        }
    }
    if (cancelled) {
        /* cancel(): every goroutine stops; the process waits for SIGINT with no listener */
        if (grpc_server) log_info("shutting down grpc server");
        if (http_fd >= 0) log_info("shutting down the http gateway server");
        if (api_fd >= 0) close(api_fd);
        if (http_fd >= 0) close(http_fd);
        if (debug_fd >= 0) close(debug_fd);
        api_fd = http_fd = debug_fd = -1;
    }
    while (!got_sigint) {
        struct pollfd pf[4];
        int np = 0;
        pf[np++] = (struct pollfd){sigpipe_fds[0], POLLIN, 0};
        if (api_fd >= 0) pf[np++] = (struct pollfd){api_fd, POLLIN, 0};
        if (http_fd >= 0) pf[np++] = (struct pollfd){http_fd, POLLIN, 0};
        if (debug_fd >= 0) pf[np++] = (struct pollfd){debug_fd, POLLIN, 0};
        if (poll(pf, (nfds_t)np, -1) < 0) continue;
        for (int i = 1; i < np; i++) {
            if (!(pf[i].revents & POLLIN)) continue;
            int c = accept4(pf[i].fd, NULL, NULL, SOCK_CLOEXEC);
            if (c < 0) continue;
            if (pf[i].fd == api_fd) handle_api(c);
            else http_standin(c, pf[i].fd == http_fd ? "http" : "debug");
            close(c);
        }
    }
    log_debug("shutdown signal received, waiting for work to finish");
    if (!cancelled) {
        if (api_fd >= 0) log_info("shutting down grpc server");
        if (http_fd >= 0) log_info("shutting down the http gateway server");
    }
    log_info("all work finished, exiting");
    return 0;
}

static int cmd_version(void) {
    if (getb("short")) printf("%s %s\n", VERSION, STANDIN);
    else if (getb("long"))
        printf("flintlock\n  Version:    %s\n  CommitHash: %s\n  BuildDate:  %s\n  %s\n", VERSION, COMMIT, BUILD_DATE, STANDIN);
    else printf("flintlock %s %s\n", VERSION, STANDIN);
    return 0;
}

/* ---------------------------------------------------------------------------------------- */

static int lev(const char *a, const char *b) {
    size_t la = strlen(a), lb = strlen(b);
    if (la > 30 || lb > 30) return 99;
    int d[32][32];
    for (size_t i = 0; i <= la; i++) d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++) d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int c = d[i - 1][j - 1] + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            if (d[i - 1][j] + 1 < c) c = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < c) c = d[i][j - 1] + 1;
            d[i][j] = c;
        }
    return d[la][lb];
}

int main(int argc, char **argv) {
    if (getenv("PATH") == NULL) setenv("PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", 1);
    for (size_t i = 0; i < NFLAGS; i++) snprintf(flags[i].value, sizeof flags[i].value, "%s", flags[i].def);

    /* cobra Find: the first argument that is not a flag (or a flag's value) names the command */
    int cmd = C_ROOT, sub = -1;
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        if (strcmp(s, "--") == 0) break;
        if (strncmp(s, "--", 2) == 0 && !strchr(s, '=')) {
            struct flag *f = flag_by_name(s + 2, C_ROOT);
            if (!(f && f->type == F_BOOL) && strcmp(s, "--help") != 0) {
                i++;
                continue;
            }
        } else if (s[0] == '-' && strlen(s) == 2 && s[1] != 'h') {
            struct flag *f = flag_by_short(s[1], C_ROOT);
            if (!(f && f->type == F_BOOL)) {
                i++;
                continue;
            }
        } else if (s[0] != '-' && s[0] != 0) {
            sub = i;
            break;
        }
    }
    if (sub > 0) {
        const char *n = argv[sub];
        if (strcmp(n, "run") == 0) cmd = C_RUN;
        else if (strcmp(n, "version") == 0) cmd = C_VERSION;
        else if (strcmp(n, "completion") == 0) cmd = C_COMPLETION;
        else if (strcmp(n, "help") == 0) cmd = C_HELP;
        else {
            static const char *names[] = {"completion", "help", "run", "version"};
            char msg[1024];
            size_t o = (size_t)snprintf(msg, sizeof msg, "unknown command \"%s\" for \"flintlockd\"", n);
            int first = 1;
            for (size_t k = 0; k < 4; k++)
                if (lev(n, names[k]) <= 2 || strncmp(names[k], n, strlen(n)) == 0) {
                    o += (size_t)snprintf(msg + o, sizeof msg - o, "%s\t%s\n", first ? "\n\nDid you mean this?\n" : "", names[k]);
                    first = 0;
                }
            fprintf(stderr, "Error: %s\nRun 'flintlockd --help' for usage.\n", msg);
            return fatalln(msg);
        }
    }
    /* the command's own arguments: everything but its name */
    char *args[256];
    int nargs = 0;
    for (int i = 1; i < argc && nargs < 255; i++)
        if (i != sub) args[nargs++] = argv[i];

    if (parse_flags(cmd, nargs, args) != 0) return cobra_error(cmd, errbuf);
    if (cmd == C_HELP) {
        int target = C_ROOT;
        for (int i = 0; i < nargs; i++) {
            if (args[i][0] == '-') continue;
            if (strcmp(args[i], "run") == 0) target = C_RUN;
            else if (strcmp(args[i], "version") == 0) target = C_VERSION;
            else if (strcmp(args[i], "completion") == 0) target = C_COMPLETION;
            else if (strcmp(args[i], "help") == 0) target = C_HELP;
            else {
                printf("Unknown help topic [`%s`]\n", args[i]);
                usage_string(stdout, C_ROOT);
                return 0;
            }
            break;
        }
        help(target);
        return 0;
    }
    if (help_requested) {
        help(cmd);
        return 0;
    }
    /* PersistentPreRunE: bind to viper, configure logging */
    apply_viper(cmd);
    if (configure_logging() != 0) {
        fprintf(stderr, "Error: %s\n", errbuf);
        usage_string(stderr, cmd);
        fprintf(stderr, "\n");
        return fatalln(errbuf);
    }
    switch (cmd) {
    case C_RUN: return cmd_run();
    case C_VERSION: return cmd_version();
    case C_COMPLETION:
        for (int i = 0; i < nargs; i++) {
            if (args[i][0] == '-') continue;
            if (strcmp(args[i], "bash") && strcmp(args[i], "zsh") && strcmp(args[i], "fish") && strcmp(args[i], "powershell")) {
                char m[300];
                snprintf(m, sizeof m, "unknown command \"%s\" for \"flintlockd completion\"", args[i]);
                fprintf(stderr, "Error: %s\nRun 'flintlockd completion --help' for usage.\n", m);
                return fatalln(m);
            }
            printf("# %s completion for flintlockd " STANDIN ": no completion script\n", args[i]);
            return 0;
        }
        help(C_COMPLETION);
        return 0;
    default: help(C_ROOT); return 0;
    }
}
