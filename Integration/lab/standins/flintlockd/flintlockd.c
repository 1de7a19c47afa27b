/*
 * flintlockd -- fleet lab STAND-IN, not the real flintlock.
 *
 * The real flintlockd (github.com/liquidmetal-dev/flintlock) cannot be downloaded in the lab.
 * This program speaks enough of its CLI and prints the same log lines so that a playbook that
 * installs and checks flintlockd behaves as it would on a real host:
 *
 *   flintlockd version            -> "flintlockd v0.11.0 (fleet lab stand-in, not the real flintlock)"
 *   flintlockd run [--config FILE] [--KEY VALUE | --KEY=VALUE]...
 *       reads /etc/opt/flintlockd/config.yaml ("key: value" lines), refuses to start without
 *       parent-iface or bridge-name, or without TLS unless "insecure: true", waits for the
 *       containerd socket, logs like the real one and listens on grpc-endpoint over TCP
 *       (connections are accepted and closed: there is no gRPC service behind it).
 */
#include <errno.h>
#include <netdb.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define VERSION "v0.11.0"
#define DEFAULT_CONFIG "/etc/opt/flintlockd/config.yaml"

struct setting {
    const char *key;
    char value[512];
};

static struct setting settings[] = {
    {"grpc-endpoint", "localhost:9090"},
    {"containerd-socket", "/run/containerd/containerd.sock"},
    {"parent-iface", ""},
    {"bridge-name", ""},
    {"insecure", "false"},
    {"basic-auth-token", ""},
    {"tls-cert", ""},
    {"tls-key", ""},
    {"tls-client-validate", "false"},
    {"tls-client-ca", ""},
    {"verbosity", "0"},
    {"state-dir", "/var/lib/flintlock"},
    {"containerd-ns", "flintlock"},
    {"default-provider", "firecracker"},
    {"firecracker-bin", "firecracker"},
    {"log-format", "text"},
};
#define NSETTINGS (sizeof settings / sizeof settings[0])

static volatile sig_atomic_t stop;

static void on_signal(int sig) {
    (void)sig;
    stop = 1;
}

static void logmsg(const char *level, const char *fmt, ...) {
    char ts[64], msg[1024];
    time_t now = time(NULL);
    struct tm tm;
    va_list ap;
    gmtime_r(&now, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", &tm);
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    fprintf(stderr, "time=\"%s\" level=%s msg=\"%s\"\n", ts, level, msg);
    fflush(stderr);
}

static struct setting *find_setting(const char *key) {
    for (size_t i = 0; i < NSETTINGS; i++)
        if (strcmp(settings[i].key, key) == 0) return &settings[i];
    return NULL;
}

static const char *get(const char *key) { return find_setting(key)->value; }

static char *trim(char *s) {
    char *end;
    while (*s == ' ' || *s == '\t') s++;
    end = s + strlen(s);
    while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\n' || end[-1] == '\r')) *--end = 0;
    if (end - s >= 2 && ((s[0] == '"' && end[-1] == '"') || (s[0] == '\'' && end[-1] == '\''))) {
        end[-1] = 0;
        s++;
    }
    return s;
}

static void set_value(const char *key, const char *value) {
    struct setting *s = find_setting(key);
    if (s == NULL) return; /* keys the stand-in does not use are accepted and ignored */
    snprintf(s->value, sizeof s->value, "%s", value);
}

/* Reads "key: value" lines; a missing default config file is not an error (as with viper). */
static int read_config(const char *path, int required) {
    char line[1024];
    FILE *f = fopen(path, "r");
    if (f == NULL) {
        if (!required && errno == ENOENT) return 0;
        logmsg("fatal", "reading config file %s: %s", path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f) != NULL) {
        char *p = trim(line), *colon;
        if (*p == 0 || *p == '#' || strcmp(p, "---") == 0) continue;
        colon = strchr(p, ':');
        if (colon == NULL) continue;
        *colon = 0;
        set_value(trim(p), trim(colon + 1));
    }
    fclose(f);
    return 0;
}

static int is_true(const char *v) { return strcmp(v, "true") == 0 || strcmp(v, "1") == 0 || strcmp(v, "yes") == 0; }

static int run(int argc, char **argv) {
    const char *config = DEFAULT_CONFIG;
    int explicit_config = 0;
    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--config") == 0 && i + 1 < argc) {
            config = argv[++i];
            explicit_config = 1;
        } else if (strncmp(argv[i], "--config=", 9) == 0) {
            config = argv[i] + 9;
            explicit_config = 1;
        }
    }
    if (read_config(config, explicit_config) != 0) return 1;
    /* Flags override the file. */
    for (int i = 0; i < argc; i++) {
        char key[128];
        const char *a = argv[i], *eq;
        if (strncmp(a, "--", 2) != 0 || strncmp(a, "--config", 8) == 0) continue;
        a += 2;
        eq = strchr(a, '=');
        if (eq != NULL) {
            snprintf(key, sizeof key, "%.*s", (int)(eq - a), a);
            set_value(key, eq + 1);
        } else if (strcmp(a, "insecure") == 0 || strcmp(a, "tls-client-validate") == 0) {
            set_value(a, "true");
        } else if (i + 1 < argc) {
            if (find_setting(a) == NULL) {
                fprintf(stderr, "Error: unknown flag: --%s\n", a);
                return 1;
            }
            set_value(a, argv[++i]);
        }
    }

    logmsg("info", "flintlockd grpc api server starting (fleet lab stand-in, not the real flintlock)");
    if (get("parent-iface")[0] == 0 && get("bridge-name")[0] == 0) {
        logmsg("fatal", "you must supply at least one of parent interface, bridge name");
        return 1;
    }
    int insecure = is_true(get("insecure"));
    if (!insecure) {
        if (get("tls-cert")[0] == 0) {
            logmsg("fatal", "validating TLS config: cert required");
            return 1;
        }
        if (get("tls-key")[0] == 0) {
            logmsg("fatal", "validating TLS config: key required");
            return 1;
        }
        if (access(get("tls-cert"), R_OK) != 0 || access(get("tls-key"), R_OK) != 0) {
            logmsg("fatal", "loading TLS certificate: open %s: %s", get("tls-cert"), strerror(errno));
            return 1;
        }
    }

    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);

    /* The real daemon cannot work without containerd: wait for its socket. */
    struct stat st;
    int waited = 0;
    while (stat(get("containerd-socket"), &st) != 0 || !S_ISSOCK(st.st_mode)) {
        if (stop) return 0;
        if (waited % 10 == 0)
            logmsg("info", "waiting for containerd socket %s", get("containerd-socket"));
        sleep(1);
        waited++;
    }

    char host[256], port[32];
    const char *ep = get("grpc-endpoint");
    const char *colon = strrchr(ep, ':');
    if (colon == NULL) {
        logmsg("fatal", "listen tcp: address %s: missing port in address", ep);
        return 1;
    }
    snprintf(host, sizeof host, "%.*s", (int)(colon - ep), ep);
    snprintf(port, sizeof port, "%s", colon + 1);
    if (host[0] == '[') { /* [::1]:9090 */
        memmove(host, host + 1, strlen(host));
        host[strcspn(host, "]")] = 0;
    }

    struct addrinfo hints, *res;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    int rc = getaddrinfo(host[0] ? host : NULL, port, &hints, &res);
    if (rc != 0) {
        logmsg("fatal", "listen tcp %s: lookup %s: %s", ep, host, gai_strerror(rc));
        return 1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (fd < 0 || bind(fd, res->ai_addr, res->ai_addrlen) != 0 || listen(fd, 64) != 0) {
        const char *why = errno == EADDRNOTAVAIL ? "bind: cannot assign requested address"
                          : errno == EADDRINUSE  ? "bind: address already in use"
                                                 : strerror(errno);
        logmsg("fatal", "failed to start grpc server: listen tcp %s: %s", ep, why);
        freeaddrinfo(res);
        return 1;
    }
    freeaddrinfo(res);

    if (get("basic-auth-token")[0] != 0 && !insecure)
        logmsg("info", "basic authentication is enabled");
    else
        logmsg("warning", "basic authentication is DISABLED");
    if (insecure)
        logmsg("warning", "TLS is DISABLED");
    else
        logmsg("info", "TLS is enabled (stand-in: the listener does not speak TLS)");
    logmsg("info", "starting grpc server listening on endpoint %s", ep);

    sa.sa_flags = 0; /* let accept() be interrupted by SIGTERM */
    sigaction(SIGTERM, &sa, NULL);
    while (!stop) {
        int c = accept(fd, NULL, NULL);
        if (c >= 0) close(c);
    }
    logmsg("info", "shutting down grpc server");
    close(fd);
    return 0;
}

static void usage(FILE *out) {
    fprintf(out,
            "flintlockd " VERSION " (fleet lab stand-in, not the real flintlock)\n\n"
            "Usage:\n  flintlockd [command]\n\n"
            "Available Commands:\n"
            "  run         Start running the flintlock API\n"
            "  version     Print the version number of flintlock\n");
}

int main(int argc, char **argv) {
    if (argc < 2) {
        usage(stdout);
        return 0;
    }
    if (strcmp(argv[1], "version") == 0 || strcmp(argv[1], "--version") == 0) {
        printf("flintlockd " VERSION " (fleet lab stand-in, not the real flintlock)\n");
        return 0;
    }
    if (strcmp(argv[1], "run") == 0) return run(argc - 2, argv + 2);
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    fprintf(stderr, "Error: unknown command \"%s\" for \"flintlockd\"\n", argv[1]);
    usage(stderr);
    return 1;
}
