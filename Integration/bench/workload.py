"""The benchmark's workload: 20 idempotent steps per host, written once here and rendered four
ways (fleet inventory, Ansible playbook, pyinfra deploy, and the one-ssh floor scripts).

Every host gets the same 20 steps, all under /srv/fleet-demo (a private tmpfs per loopback host):

  d1..d5  directories  /srv/fleet-demo/dK               mode 0755 root:root
  f1..f5  files        /srv/fleet-demo/dK/fileK.conf    exact content, mode 0644 root:root
  l1..l5  lines        /srv/fleet-demo/lines.txt        five distinct lines, each exactly once
  c1..c5  commands     /srv/fleet-demo/dK/cmdK.out      written by a command guarded by `test -s`
"""
import json
import shlex

ROOT = "/srv/fleet-demo"
DIRS = [f"{ROOT}/d{k}" for k in range(1, 6)]
FILES = [(f"{ROOT}/d{k}/file{k}.conf",
          f"# managed by the fleet benchmark\nname = file-{k}\nworkers = {k * 2}\nlisten = 127.0.0.1:{8080 + k}\n")
         for k in range(1, 6)]
LINES_FILE = f"{ROOT}/lines.txt"
LINES = [f"bench line {k}: managed" for k in range(1, 6)]
COMMANDS = [(f"{ROOT}/d{k}/cmd{k}.out", f"echo done-{k} > {ROOT}/d{k}/cmd{k}.out") for k in range(1, 6)]


def devices(n, first_port):
    """(name, port) of the n loopback hosts."""
    return [(f"h{i}", first_port + i) for i in range(n)]


# --- fleet ------------------------------------------------------------------------------------

def fleet_inventory(n, first_port):
    steps = []
    for k, d in enumerate(DIRS, 1):
        steps.append({"id": f"d{k}", "title": f"directory {k}",
                      "directory": {"path": d, "mode": "0755", "owner": "root:root"}})
    for k, (path, content) in enumerate(FILES, 1):
        steps.append({"id": f"f{k}", "title": f"file {k}",
                      "file": {"path": path, "content": content, "mode": "0644", "owner": "root:root"}})
    for k, line in enumerate(LINES, 1):
        steps.append({"id": f"l{k}", "title": f"line {k}", "line": {"path": LINES_FILE, "line": line}})
    for k, (out, cmd) in enumerate(COMMANDS, 1):
        steps.append({"id": f"c{k}", "title": f"command {k}",
                      "command": {"check": f"test -s {out}", "apply": cmd}})
    return {
        "playbook": "none",
        "ssh": {"user": "root"},
        "devices": [{"name": name, "role": "hub" if i == 0 else "host", "address": "127.0.0.1",
                     "ssh": {"port": port}} for i, (name, port) in enumerate(devices(n, first_port))],
        "extraSteps": steps,
    }


# --- Ansible ----------------------------------------------------------------------------------

def ansible_inventory(n, first_port, ssh_config):
    lines = ["[bench]"]
    lines += [f"{name} ansible_host=127.0.0.1 ansible_port={port}" for name, port in devices(n, first_port)]
    lines += ["", "[bench:vars]", "ansible_user=root", "ansible_python_interpreter=/usr/bin/python3",
              f"ansible_ssh_common_args='-F {ssh_config}'", ""]
    return "\n".join(lines)


def ansible_cfg(control_dir):
    return f"""[defaults]
host_key_checking = True
gathering = explicit
retry_files_enabled = False
interpreter_python = /usr/bin/python3
deprecation_warnings = False

[ssh_connection]
pipelining = True
control_path_dir = {control_dir}
"""


def ansible_playbook():
    tasks = []
    for k, d in enumerate(DIRS, 1):
        tasks.append({"name": f"directory {k}",
                      "ansible.builtin.file": {"path": d, "state": "directory", "mode": "0755",
                                               "owner": "root", "group": "root"}})
    for k, (path, content) in enumerate(FILES, 1):
        tasks.append({"name": f"file {k}",
                      "ansible.builtin.copy": {"dest": path, "content": content, "mode": "0644",
                                               "owner": "root", "group": "root"}})
    for k, line in enumerate(LINES, 1):
        tasks.append({"name": f"line {k}",
                      "ansible.builtin.lineinfile": {"path": LINES_FILE, "line": line, "create": True}})
    for k, (out, cmd) in enumerate(COMMANDS, 1):
        tasks.append({"name": f"command {k}", "ansible.builtin.shell": {"cmd": cmd, "creates": out}})
    play = [{"name": "bench", "hosts": "bench", "gather_facts": False, "tasks": tasks}]
    # JSON is YAML; no PyYAML needed to write it.
    return json.dumps(play, indent=2) + "\n"


# --- pyinfra ----------------------------------------------------------------------------------

def pyinfra_inventory(n, first_port, key, known_hosts):
    hosts = [(name, {"ssh_hostname": "127.0.0.1", "ssh_port": port, "ssh_user": "root", "ssh_key": key,
                     "ssh_known_hosts_file": known_hosts, "ssh_strict_host_key_checking": "yes",
                     "ssh_allow_agent": False, "ssh_look_for_keys": False})
             for name, port in devices(n, first_port)]
    return f"bench = {hosts!r}\n"


def pyinfra_deploy():
    out = ["from io import StringIO", "from pyinfra.operations import files, server", ""]
    for k, d in enumerate(DIRS, 1):
        out.append(f"files.directory(name={f'directory {k}'!r}, path={d!r}, mode='755', user='root', group='root')")
    for k, (path, content) in enumerate(FILES, 1):
        out.append(f"files.put(name={f'file {k}'!r}, src=StringIO({content!r}), dest={path!r}, "
                   f"mode='644', user='root', group='root')")
    for k, line in enumerate(LINES, 1):
        # Anchored: pyinfra otherwise matches any line containing the text.
        out.append(f"files.line(name={f'line {k}'!r}, path={LINES_FILE!r}, line={('^' + line + '$')!r})")
    for k, (out_path, cmd) in enumerate(COMMANDS, 1):
        guarded = f"test -s {out_path} || {{ {cmd}; }}"
        out.append(f"server.shell(name={f'command {k}'!r}, commands=[{guarded!r}])")
    return "\n".join(out) + "\n"


# --- the floor --------------------------------------------------------------------------------

def floor_checks():
    """The 20 checks joined by &&: exits 0 exactly when the host is converged."""
    q = shlex.quote
    checks = []
    for d in DIRS:
        checks.append(f"[ -d {d} ] && [ \"$(stat -c %a:%U:%G {d})\" = 755:root:root ]")
    for path, content in FILES:
        checks.append(f"printf %s {q(content)} | cmp -s - {path} && [ \"$(stat -c %a:%U:%G {path})\" = 644:root:root ]")
    for line in LINES:
        checks.append(f"[ \"$(grep -cxF {q(line)} {LINES_FILE})\" = 1 ]")
    for out, _ in COMMANDS:
        checks.append(f"test -s {out}")
    return " && ".join(checks)


def floor_applies():
    """The 20 steps' changes as one plain script: the remote work of a cold run, nothing else."""
    q = shlex.quote
    parts = []
    for d in DIRS:
        parts.append(f"mkdir -p {d} && chmod 0755 {d} && chown root:root {d}")
    for path, content in FILES:
        parts.append(f"printf %s {q(content)} > {path} && chmod 0644 {path} && chown root:root {path}")
    for line in LINES:
        parts.append(f"printf '%s\\n' {q(line)} >> {LINES_FILE}")
    for _, cmd in COMMANDS:
        parts.append(cmd)
    return " && ".join(parts)
