"""Benchmark driver: fleet vs Ansible vs pyinfra vs the one-ssh floor on N loopback hosts.

Run through Integration/bench/run, which prepares the venv, the release build and the limits.
Writes <run-dir>/results.json; report.py turns it into BENCHMARKS.md and docs/bench.png.
"""
import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time

import workload

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
HOSTS = os.path.join(REPO, "Integration", "loopback", "hosts")
DELAY = os.path.join(HERE, "delay.py")
# With --rtt, the tools reach host i through the delay proxy on first_port + PROXY_OFFSET + i.
PROXY_OFFSET = 10000


def log(msg):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def parse_map(text, cast=int):
    """'1:5,10:5,200:3' -> {1: 5, 10: 5, 200: 3}; a bare number applies to every size."""
    out = {}
    for part in text.split(","):
        if ":" in part:
            k, v = part.split(":")
            out[int(k)] = cast(v)
        else:
            out[0] = cast(part)
    return out


def lookup(mapping, n, default):
    if n in mapping:
        return mapping[n]
    return mapping.get(0, default)


class Bench:
    def __init__(self, args):
        self.args = args
        self.run_dir = os.path.abspath(args.run_dir)
        self.hosts_run = os.path.join(self.run_dir, "hosts")
        self.cfg = os.path.join(self.hosts_run, "ssh_config")
        if args.ssh_kex:
            # The ssh-based tools (fleet, Ansible, the floor) with one key exchange, e.g. the
            # curve25519 that pyinfra's paramiko negotiates; written after every `hosts up`.
            self.cfg = os.path.join(self.hosts_run, "ssh_config-kex")
        self.venv_bin = os.path.join(args.venv, "bin")
        self.env = dict(os.environ, FLEET_LOOPBACK_RUN=self.hosts_run, NO_COLOR="1")
        self.d = None
        self.rtt = 0          # the round-trip time the current size runs at (ms)
        self.proxy = None     # the delay proxy's Popen while rtt > 0
        self.results = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "sizes": {},
                        "argv": sys.argv[1:]}

    # --- hosts ----------------------------------------------------------------------------------

    def hosts(self, *argv):
        subprocess.run([HOSTS, *map(str, argv)], env=self.env, check=True, stdout=subprocess.DEVNULL)

    def close_ansible_masters(self):
        """Ansible leaves its ControlPersist=60s masters running after a run (its default, and what
        makes its warm runs faster). Stopping a host's sshd listener does not end the session such
        a master holds, so before fresh hosts they are closed, or the next "cold" run would reach
        the old session and its old tmpfs."""
        cp = os.path.join(self.d, "ansible-cp") if self.d else None
        if not cp or not os.path.isdir(cp):
            return
        for name in os.listdir(cp):
            subprocess.run(["ssh", "-o", f"ControlPath={os.path.join(cp, name)}", "-O", "exit", "bench"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def end_orphaned_masters(self):
        """A crashed fleet leaves its ssh ControlMasters running, re-parented to init. End those,
        by PID: only `ssh` processes whose parent is gone and whose command line names this
        benchmark's ssh config."""
        ended = 0
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{pid}/stat") as f:
                    stat = f.read()
                if not stat.split("(", 1)[1].startswith("ssh)") or stat.rsplit(")", 1)[1].split()[1] != "1":
                    continue
                with open(f"/proc/{pid}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                if b"-F" in argv and argv[argv.index(b"-F") + 1] == self.cfg.encode():
                    os.kill(int(pid), 15)
                    ended += 1
            except (OSError, IndexError, ValueError):
                continue
        if ended:
            log(f"ended {ended} ssh master(s) left behind by a crashed fleet run")
        return ended

    def fresh_hosts(self, n):
        """Fresh hosts: every sshd restarted, so each gets a new, empty tmpfs."""
        self.close_ansible_masters()
        self.end_orphaned_masters()
        self.hosts("down")
        self.hosts("up", n, self.args.first_port)
        if self.rtt:
            # The proxy's ports carry the same host key as the hosts behind them.
            known = os.path.join(self.hosts_run, "known_hosts")
            with open(known) as f:
                lines = f.read().splitlines()
            with open(known, "a") as f:
                for line in lines:
                    m = re.match(r"\[127\.0\.0\.1\]:(\d+) (.*)", line)
                    if m:
                        f.write(f"[127.0.0.1]:{int(m.group(1)) + PROXY_OFFSET} {m.group(2)}\n")
        if self.args.ssh_kex:
            with open(os.path.join(self.hosts_run, "ssh_config")) as f:
                text = f.read()
            with open(self.cfg, "w") as f:
                f.write(text.replace("Host 127.0.0.1\n", f"Host 127.0.0.1\n  KexAlgorithms {self.args.ssh_kex}\n", 1))

    def port_base(self):
        """The first port the tools connect to: the hosts', or the delay proxy's."""
        return self.args.first_port + (PROXY_OFFSET if self.rtt else 0)

    def start_proxy(self, n):
        pid_file = os.path.join(self.run_dir, "delay.pid")
        if os.path.exists(pid_file):
            os.unlink(pid_file)
        self.proxy = subprocess.Popen([sys.executable, DELAY, "--rtt", str(self.rtt), "--listen", str(self.port_base()),
                                       "--target", str(self.args.first_port), "--count", str(n),
                                       "--pid-file", pid_file])
        deadline = time.monotonic() + 30
        while not os.path.exists(pid_file):
            if self.proxy.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("bench: the delay proxy did not start")
            time.sleep(0.05)
        log(f"delay proxy: {self.rtt} ms round trip in front of {n} host(s), ports {self.port_base()}..")

    def stop_proxy(self):
        if self.proxy is not None:
            self.proxy.terminate()
            self.proxy.wait(timeout=30)
            self.proxy = None

    # --- running things -------------------------------------------------------------------------

    def timed(self, argv, out_path, env=None):
        """Runs argv under /usr/bin/time -v; returns (wall seconds, exit status, output, rusage)."""
        timev = out_path + ".time"
        argv = ["/usr/bin/time", "-v", "-o", timev, *argv]
        start = time.monotonic()
        with open(out_path, "wb") as out:
            proc = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, env=env or self.env,
                                  cwd=os.path.dirname(out_path))
        elapsed = time.monotonic() - start
        with open(out_path, "rb") as f:
            text = f.read().decode("utf-8", "replace")
        usage = {}
        try:
            with open(timev) as f:
                t = f.read()
            for key, pattern in (("user_s", r"User time \(seconds\): ([\d.]+)"),
                                 ("sys_s", r"System time \(seconds\): ([\d.]+)"),
                                 ("maxrss_kb", r"Maximum resident set size \(kbytes\): (\d+)")):
                m = re.search(pattern, t)
                if m:
                    usage[key] = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
        except OSError:
            pass
        return elapsed, proc.returncode, text, usage

    def floor(self, n, script, out_path, direct=False):
        """One fresh ssh per host running `script`, all hosts at once; exit 0 only if all did.
        Through the delay proxy unless `direct`."""
        base = self.args.first_port if direct else self.port_base()
        ports = [str(p) for _, p in workload.devices(n, base)]
        argv = ["bash", os.path.join(HERE, "floor"), self.cfg, script, *ports]
        return self.timed(argv, out_path)

    # --- the tools --------------------------------------------------------------------------------

    def prepare(self, n):
        d = os.path.join(self.run_dir, f"n{n}" + (f"-rtt{self.rtt:g}" if self.rtt else ""))
        os.makedirs(os.path.join(d, "logs"), exist_ok=True)
        base = self.port_base()
        files = {
            "fleet.json": json.dumps(workload.fleet_inventory(n, base), indent=1) + "\n",
            "inventory.ini": workload.ansible_inventory(n, base, self.cfg),
            "ansible.cfg": workload.ansible_cfg(os.path.join(d, "ansible-cp")),
            "playbook.yml": workload.ansible_playbook(),
            "inventory.py": workload.pyinfra_inventory(n, base,
                                                       os.path.join(self.hosts_run, "id_ed25519"),
                                                       os.path.join(self.hosts_run, "known_hosts")),
            "deploy.py": workload.pyinfra_deploy(),
            "floor-checks.sh": workload.floor_checks() + "\n",
            "floor-applies.sh": workload.floor_applies() + "\n",
        }
        for name, text in files.items():
            with open(os.path.join(d, name), "w") as f:
                f.write(text)
        return d

    def tool_argv(self, tool, phase, n, d):
        """argv for tool × phase ('cold' and 'warm' are both `up`; 'check' verifies only)."""
        if tool.startswith("fleet"):
            parallel = n if tool == "fleet-pall" else self.args.fleet_parallel
            verb = "check" if phase == "check" else "up"
            # fleet-kept: connections kept by an untimed `up --persist` just before (see size()).
            kept = ["--persist", "300"] if tool == "fleet-kept" else []
            return [self.args.fleet, verb,
                    os.path.join(d, "fleet.json"), "--ssh-config", self.cfg, "--state-dir",
                    os.path.join(d, "state"), "--parallel", str(parallel)] + kept
        if tool == "ansible":
            argv = [os.path.join(self.venv_bin, "ansible-playbook"), "-i", os.path.join(d, "inventory.ini"),
                    "-f", str(n), os.path.join(d, "playbook.yml")]
            return argv + (["--check"] if phase == "check" else [])
        if tool == "pyinfra":
            # `-y` (no confirmation) also skips the separate change-detection pass, so it is
            # given to up runs only: `--dry` without it detects and lists the changes.
            argv = [os.path.join(self.venv_bin, "pyinfra"), *(["--dry"] if phase == "check" else ["-y"]),
                    "--parallel", str(n), os.path.join(d, "inventory.py"), os.path.join(d, "deploy.py")]
            return argv
        raise ValueError(tool)

    def tool_env(self, tool, d):
        if tool == "ansible":
            return dict(self.env, ANSIBLE_CONFIG=os.path.join(d, "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                        ANSIBLE_HOME=os.path.join(d, "ansible-home"))
        if tool == "pyinfra":
            return dict(self.env, PYINFRA_PROGRESS="off")
        return self.env

    def changes(self, tool, text):
        """How many step changes the tool reported (None when it cannot be told)."""
        if tool.startswith("fleet"):
            m = re.search(r"converged: (\d+) change", text)
            if m:
                return int(m.group(1))
            if "nothing to change" in text or "clean: no drift" in text:
                return 0
            m = re.search(r"drift found on (\d+) host", text)
            return -int(m.group(1)) if m else None
        if tool == "ansible":
            found = re.findall(r"changed=(\d+)", text)
            return sum(map(int, found)) if found else None
        if tool == "pyinfra":
            # Grand total   Hosts  Success  Error  No-Change: "Success" counts executed operations.
            m = re.search(r"Grand total\s+(\d+)\s+(\d+|-)\s+(\d+|-)\s+(\d+|-)", text)
            if m:
                return 0 if m.group(2) == "-" else int(m.group(2))
            if "Detected changes:" in text:  # --dry: per operation, "N (hosts…)" would change
                section = text.split("Detected changes:", 1)[1]
                return sum(int(x) for x in re.findall(r"\s{2,}(\d+) \(", section))
            return None
        return None

    def fleet_details(self, text, d):
        """The exec: lines per host in the run log."""
        details = {}
        m = re.search(r"run log: (\S+)", text)
        if m:
            path = m.group(1) if os.path.isabs(m.group(1)) else os.path.join(d, "logs", m.group(1))
            per_host = {}
            try:
                with open(path) as f:
                    for line in f:
                        h = re.match(r"\[[^\]]+\] (\S+): exec: ", line)
                        if h:
                            per_host[h.group(1)] = per_host.get(h.group(1), 0) + 1
            except OSError:
                pass
            if per_host:
                details["execs_min"] = min(per_host.values())
                details["execs_max"] = max(per_host.values())
                details["execs_hosts"] = len(per_host)
        return details

    def run_tool(self, tool, phase, n, d, rep):
        out = os.path.join(d, "logs", f"{tool}-{phase}-{rep}.out")
        elapsed, rc, text, usage = self.timed(self.tool_argv(tool, phase, n, d), out, self.tool_env(tool, d))
        rec = {"s": round(elapsed, 4), "rc": rc, "changes": self.changes(tool, text), **usage}
        if tool.startswith("fleet"):
            rec.update(self.fleet_details(text, d))
        ok = rc == 0
        log(f"N={n} rep {rep} {tool:10} {phase:5} {elapsed:8.3f}s rc={rc} changes={rec['changes']} "
            f"cpu={usage.get('user_s', 0) + usage.get('sys_s', 0):.2f}s"
            + (f" rss={rec.get('maxrss_kb')}kB execs/host={rec.get('execs_min')}-{rec.get('execs_max')}"
               if tool.startswith("fleet") else ""))
        if not ok:
            log(f"   FAILED: see {out}")
        return rec

    def verify_converged(self, n, d, label):
        """Untimed: every host holds exactly the desired state (the floor's 20 checks pass)."""
        _, rc, _, _ = self.floor(n, workload.floor_checks(), os.path.join(d, "logs", f"verify-{label}.out"), direct=True)
        if rc != 0:
            log(f"N={n} {label}: hosts NOT converged after the run (see logs/verify-{label}.out)")
        return rc == 0

    # --- probes -------------------------------------------------------------------------------

    def probe(self, n, d, parallel):
        """Untimed cold fleet run under the usual 1024-descriptor soft limit, sampling fleet's open
        descriptors and live child processes every 5 ms."""
        self.fresh_hosts(n)
        argv = ["prlimit", "--nofile=1024:", "--", self.args.fleet, "up", os.path.join(d, "fleet.json"),
                "--ssh-config", self.cfg, "--state-dir", os.path.join(d, "state"), "--parallel", str(parallel)]
        out_path = os.path.join(d, "logs", f"probe-p{parallel}.out")
        peak_fds = peak_children = 0
        with open(out_path, "wb") as out:
            proc = subprocess.Popen(argv, stdout=out, stderr=subprocess.STDOUT, env=self.env)
            while proc.poll() is None:
                try:
                    peak_fds = max(peak_fds, len(os.listdir(f"/proc/{proc.pid}/fd")))
                    kids = 0
                    for task in os.listdir(f"/proc/{proc.pid}/task"):
                        with open(f"/proc/{proc.pid}/task/{task}/children") as f:
                            kids += len(f.read().split())
                    peak_children = max(peak_children, kids)
                except (OSError, FileNotFoundError):
                    pass
                time.sleep(0.005)
        with open(out_path) as f:
            text = f.read()
        rec = {"parallel": parallel, "rc": proc.returncode, "peak_fds": peak_fds,
               "peak_children": peak_children, "changes": self.changes("fleet", text),
               "too_many_files": "Too many open files" in text}
        log(f"N={n} probe --parallel {parallel}: rc={proc.returncode} peak fds={peak_fds} "
            f"peak children={peak_children} changes={rec['changes']}")
        return rec

    # --- one size -------------------------------------------------------------------------------

    def size(self, n):
        args = self.args
        d = self.d = self.prepare(n)
        reps = lookup(args.reps, n, 5)
        slow_reps = lookup(args.slow_reps, n, reps)
        slow_phases = lookup(args.slow_phases, n, "cold+warm+check").split("+")
        tools = ["fleet"] + (["fleet-pall"] if n > args.fleet_parallel else []) + ["fleet-kept"]
        slow = [t for t in ("ansible", "pyinfra") if t in args.tools and n <= args.max_n.get(t, n)]
        load_before = os.getloadavg()
        rec = {"n": n, "rtt_ms": self.rtt, "reps": reps, "slow_reps": slow_reps, "slow_phases": slow_phases,
               "load_before": [round(x, 2) for x in load_before], "runs": {}, "verified": {}, "started": time.time()}
        runs = rec["runs"]
        log(f"=== N={n}, RTT {self.rtt:g} ms: {reps} reps (ansible/pyinfra: {slow_reps}, phases {slow_phases}); "
            f"load {load_before[0]:.2f} {load_before[1]:.2f} {load_before[2]:.2f}")
        subprocess.run([args.fleet, "validate", os.path.join(d, "fleet.json")], check=True, stdout=subprocess.DEVNULL)

        def add(tool, phase, value):
            runs.setdefault(tool, {}).setdefault(phase, []).append(value)

        if "sshd" not in self.results:
            self.fresh_hosts(n)
            conf = os.path.join(self.hosts_run, f"sshd_config-{self.args.first_port}")
            t = subprocess.run(["/usr/sbin/sshd", "-T", "-f", conf], capture_output=True, text=True).stdout
            self.results["sshd"] = {k: v for k, v in (l.split(" ", 1) for l in t.splitlines() if " " in l)
                                    if k in ("maxstartups", "maxsessions", "subsystem", "usedns")}
        for rep in range(reps):
            order = tools + [t for t in slow if rep < slow_reps] + ["floor"]
            # Rotate the order each repetition so no tool always runs first (or last) in a
            # repetition while the shared machine's load drifts.
            k = rep % len(order)
            order = order[k:] + order[:k]
            for tool in order:
                self.fresh_hosts(n)
                if tool == "floor":
                    # Cold floor: one ssh per host doing the 20 changes as one plain script.
                    s, rc, _, usage = self.floor(n, workload.floor_applies(), os.path.join(d, "logs", f"floor-cold-{rep}.out"))
                    add("floor", "cold", {"s": round(s, 4), "rc": rc, **usage})
                    log(f"N={n} rep {rep} floor      cold  {s:8.3f}s rc={rc}")
                    rec["verified"].setdefault("floor", []).append(self.verify_converged(n, d, f"floor-{rep}"))
                    # Warm floor: one ssh per host running the 20 checks (hosts now converged).
                    s, rc, _, usage = self.floor(n, workload.floor_checks(), os.path.join(d, "logs", f"floor-warm-{rep}.out"))
                    add("floor", "warm", {"s": round(s, 4), "rc": rc, **usage})
                    log(f"N={n} rep {rep} floor      warm  {s:8.3f}s rc={rc}")
                    continue
                if tool == "fleet-kept":
                    # A second `check` over connections a first run kept (--persist): the untimed
                    # `up` converges the fresh hosts and leaves a master per host; disconnect after.
                    prime = self.tool_argv("fleet-kept", "cold", n, d)
                    subprocess.run(prime, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                    add(tool, "check", self.run_tool(tool, "check", n, d, rep))
                    subprocess.run([args.fleet, "disconnect", os.path.join(d, "fleet.json"), "--ssh-config", self.cfg],
                                   env=self.env, stdout=subprocess.DEVNULL, check=True)
                    continue
                phases = ["cold", "warm", "check"] if tool.startswith("fleet") else \
                    [p for p in ["cold", "warm", "check"] if p in slow_phases]
                for phase in phases:
                    add(tool, phase, self.run_tool(tool, phase, n, d, rep))
                    if phase == "cold":
                        rec["verified"].setdefault(tool, []).append(self.verify_converged(n, d, f"{tool}-{rep}"))
        if n >= args.probe_from and not self.rtt:
            rec["probes"] = [self.probe(n, d, args.fleet_parallel)]
            if n > args.fleet_parallel:
                rec["probes"].append(self.probe(n, d, n))
        rec["clean_root"] = os.environ.get("FLEET_LOOPBACK_CLEAN_ROOT") == "1"
        rec["load_after"] = [round(x, 2) for x in os.getloadavg()]
        rec["seconds"] = round(time.time() - rec.pop("started"), 1)
        log(f"=== N={n} done in {rec['seconds']}s")
        return rec

    def machine(self):
        def out(argv):
            try:
                p = subprocess.run(argv, capture_output=True, text=True, timeout=60)
                return (p.stdout + p.stderr).strip()
            except OSError as e:
                return f"unavailable: {e}"
        with open("/proc/meminfo") as f:
            mem_kb = int(re.search(r"MemTotal:\s+(\d+)", f.read()).group(1))
        with open("/proc/cpuinfo") as f:
            m = re.search(r"model name\s*:\s*(.+)", f.read())
        return {
            "nproc": os.cpu_count(), "cpu": m.group(1).strip() if m else "?",
            "mem_gib": round(mem_kb / 1024 / 1024, 1), "kernel": platform.release(),
            "os": out(["sh", "-c", ". /etc/os-release && echo $PRETTY_NAME"]),
            "ulimit_n": out(["sh", "-c", "ulimit -n"]),
            "fleet": out([self.args.fleet, "version"]),
            "ansible_core": out([os.path.join(self.venv_bin, "ansible-playbook"), "--version"]).splitlines()[0],
            "pyinfra": out([os.path.join(self.venv_bin, "pyinfra"), "--version"]),
            "openssh": out(["ssh", "-V"]),
            "python": out([os.path.join(self.venv_bin, "python"), "--version"]),
            "remote_python": out(["/usr/bin/python3", "--version"]),
        }

    def main(self):
        os.makedirs(self.run_dir, exist_ok=True)
        self.results["machine"] = self.machine()
        log(f"machine: {self.results['machine']}")
        out = os.path.join(self.run_dir, "results.json")
        for rtt in self.args.rtt:
            self.rtt = rtt
            for n in self.args.sizes:
                if rtt:
                    self.start_proxy(n)
                try:
                    rec = self.size(n)
                finally:
                    self.stop_proxy()
                # The first round-trip time given is the main tables'; every one given with
                # --rtt is also in "distance", for the round trips per host.
                if rtt == self.args.rtt[0]:
                    self.results["sizes"][str(n)] = rec
                if self.args.rtt != [0]:
                    self.results.setdefault("distance", {}).setdefault(f"{rtt:g}", {})[str(n)] = rec
                with open(out, "w") as f:
                    json.dump(self.results, f, indent=1)
        self.close_ansible_masters()
        self.end_orphaned_masters()
        self.hosts("down")
        self.results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        with open(out, "w") as f:
            json.dump(self.results, f, indent=1)
        log(f"results: {out}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--sizes", type=lambda s: [int(x) for x in s.split(",")], default=[1, 10, 50, 200])
    p.add_argument("--reps", type=parse_map, default=parse_map("5,200:3"))
    p.add_argument("--slow-reps", type=parse_map, default={})
    p.add_argument("--slow-phases", type=lambda s: parse_map(s, str), default={})
    p.add_argument("--tools", default="fleet,ansible,pyinfra")
    p.add_argument("--max-n", type=lambda s: {k: int(v) for k, v in (x.split("=") for x in s.split(","))},
                   default={})
    p.add_argument("--fleet", required=True)
    p.add_argument("--fleet-parallel", type=int, default=32)
    p.add_argument("--probe-from", type=int, default=50)
    p.add_argument("--first-port", type=int, default=3000)
    p.add_argument("--venv", required=True)
    p.add_argument("--run-dir", required=True)
    p.add_argument("--ssh-kex", default="")
    p.add_argument("--rtt", type=lambda s: [float(x) for x in s.split(",")], default=[0.0],
                   help="round-trip times in ms, each a pass through the delay proxy (0: direct)")
    args = p.parse_args()
    args.tools = args.tools.split(",")
    Bench(args).main()


if __name__ == "__main__":
    main()
