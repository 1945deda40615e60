"""A private Postfix instance on loopback for the email-channel tests: its own configuration
and queue in a temporary directory, listening on free ports, relaying our mail domain to
`outcry mail-in` over LMTP (the transport map docs/email-channel.md tells operators to write)
and everything else (the bounces it writes) to a test SMTP server standing for the senders'
mail servers.

Postfix's master must start as root (it then runs its daemons as the `postfix` user), so the
tests that use it are skipped unless the process is root and Debian's `postfix` package is
installed; OUTCRY_REQUIRE_POSTFIX=1 (set by .ci/run, which installs the package) turns the skip
into a failure."""

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.smtp_server import free_port

# Only the services a relay needs, none chrooted (a chroot would need copies of /etc files).
# The second listener asks Postfix to verify each recipient with our receiver before it
# accepts the message (reject_unverified_recipient), so a sender's server sees the refusal.
MASTER = """\
127.0.0.1:{smtp} inet n - n - - smtpd
127.0.0.1:{verifying} inet n - n - - smtpd
  -o smtpd_recipient_restrictions=reject_unverified_recipient,permit_mynetworks,reject
pickup    unix  n - n 60 1 pickup
cleanup   unix  n - n -  0 cleanup
qmgr      unix  n - n 300 1 qmgr
rewrite   unix  - - n -  - trivial-rewrite
bounce    unix  - - n -  0 bounce
defer     unix  - - n -  0 bounce
trace     unix  - - n -  0 bounce
verify    unix  - - n -  1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n -  - proxymap
smtp      unix  - - n -  - smtp
relay     unix  - - n -  - smtp
showq     unix  n - n -  - showq
error     unix  - - n -  - error
retry     unix  - - n -  - error
discard   unix  - - n -  - discard
lmtp      unix  - - n -  - lmtp
anvil     unix  - - n -  1 anvil
scache    unix  - - n -  1 scache
postlog   unix-dgram n - n - 1 postlogd
"""

MAIN = """\
compatibility_level = 3.6
queue_directory = {root}/queue
data_directory = {root}/data
maillog_file_prefixes = {root}
maillog_file = {root}/maillog
mail_owner = postfix
setgid_group = postdrop
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
myhostname = mx.outcry.test
mydomain = outcry.test
mydestination =
mynetworks = 127.0.0.0/8
alias_maps =
alias_database =
local_recipient_maps =
biff = no
smtp_host_lookup = native
lmtp_host_lookup = native
# As in docs/email-channel.md: our domain to the LMTP receiver, "+" kept in the address.
relay_domains = {domain}
transport_maps = inline:{{ {domain}=lmtp:inet:127.0.0.1:{lmtp} }}
recipient_delimiter =
message_size_limit = 40000000
smtpd_recipient_restrictions = permit_mynetworks, reject_unauth_destination
# Everything else (the bounces Postfix writes) to the senders' stand-in server.
default_transport = smtp:[127.0.0.1]:{senders}
unverified_recipient_reject_code = 550
address_verify_poll_delay = 1s
"""


@dataclass
class Postfix:
    root: Path
    smtp_port: int  # relays to our receiver; refused recipients are bounced to the sender
    verifying_port: int  # refuses unknown reply addresses during the SMTP conversation

    def log(self) -> str:
        path = self.root / "maillog"
        return path.read_text(errors="replace") if path.exists() else ""


def available() -> str | None:
    """Why Postfix cannot run here, or None."""
    if shutil.which("postfix") is None:
        return "Debian's postfix package is not installed"
    if os.geteuid() != 0:
        return "Postfix's master must be started as root"
    return None


def _command(conf: Path, *args: str) -> list[str]:
    return [shutil.which("postfix") or "/usr/sbin/postfix", "-c", str(conf), *args]


def _postfix(conf: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(  # noqa: S603 - our own fixed command
        _command(conf, *args), capture_output=True, text=True, timeout=60
    )


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture
def postfix_for() -> Iterator:
    """``postfix_for(domain=..., lmtp_port=..., senders_port=...)`` starts an instance."""
    started: list[tuple[Path, subprocess.Popen[bytes]]] = []
    # Not pytest's tmp_path: its folders are private to root, and Postfix's daemons run as
    # the postfix user, which must reach its data folder.
    root = Path(tempfile.mkdtemp(prefix="outcry-postfix-"))
    root.chmod(0o755)

    def start(*, domain: str, lmtp_port: int, senders_port: int) -> Postfix:
        if why := available():
            if os.environ.get("OUTCRY_REQUIRE_POSTFIX") == "1":
                pytest.fail(f"OUTCRY_REQUIRE_POSTFIX=1 but {why}")
            pytest.skip(why)
        conf, data = root / "conf", root / "data"
        for folder in (conf, root / "queue", data):
            folder.mkdir(parents=True)
        shutil.chown(data, user="postfix")
        smtp, verifying = free_port(), free_port()
        (conf / "master.cf").write_text(MASTER.format(smtp=smtp, verifying=verifying))
        (conf / "main.cf").write_text(
            MAIN.format(root=root, domain=domain, lmtp=lmtp_port, senders=senders_port)
        )
        checked = _postfix(conf, "check")  # creates the queue's folders
        assert checked.returncode == 0, checked.stderr
        master = subprocess.Popen(  # noqa: S603 - our own fixed command
            _command(conf, "start-fg"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        started.append((conf, master))
        deadline = time.monotonic() + 30
        while not (_listening(smtp) and _listening(verifying)):
            assert master.poll() is None, (root / "maillog").read_text(errors="replace")
            assert time.monotonic() < deadline, "Postfix did not start listening in 30 s"
            time.sleep(0.1)
        return Postfix(root, smtp, verifying)

    yield start
    for conf, master in started:
        _postfix(conf, "stop")
        try:
            master.wait(timeout=30)
        except subprocess.TimeoutExpired:
            master.kill()
            master.wait()
    shutil.rmtree(root, ignore_errors=True)
