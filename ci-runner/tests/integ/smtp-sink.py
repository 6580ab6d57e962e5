# A loopback SMTP server for the mail tests (Debian's python3-aiosmtpd):
# writes each message it takes to OUTDIR/msg-N.eml, and the port it listens
# on to OUTDIR/port once it is ready. With a USER and PASSWORD, it requires
# AUTH (allowed without TLS: loopback only). With SMTP_TLS_CERT and
# SMTP_TLS_KEY in the environment, it offers STARTTLS and requires it.
# Usage: smtp-sink.py OUTDIR [USER PASSWORD]
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

outdir = sys.argv[1]
creds = (sys.argv[2].encode(), sys.argv[3].encode()) if len(sys.argv) > 3 else None
count = 0


class Sink:
    async def handle_DATA(self, server, session, envelope):
        global count
        count += 1
        path = os.path.join(outdir, "msg-%d.eml" % count)
        with open(path + ".tmp", "wb") as f:
            f.write(b"X-Test-Rcpt: " + ",".join(envelope.rcpt_tos).encode() + b"\r\n")
            f.write(envelope.original_content)
        os.rename(path + ".tmp", path)
        return "250 OK"


def authenticator(server, session, envelope, mechanism, auth_data):
    ok = creds is not None and (auth_data.login, auth_data.password) == creds
    # handled=False: the server answers 535 itself on a failure.
    return AuthResult(success=ok, handled=False)


kw = {}
if creds:
    kw = dict(authenticator=authenticator, auth_required=True, auth_require_tls=False)
if os.environ.get("SMTP_TLS_CERT"):
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    tls.load_cert_chain(os.environ["SMTP_TLS_CERT"], os.environ["SMTP_TLS_KEY"])
    kw.update(tls_context=tls, require_starttls=True)
# A free port: the controller checks its server by connecting to the port
# it was given, so port 0 will not do.
with socket.socket() as s:
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
ctl = Controller(Sink(), hostname="127.0.0.1", port=port, **kw)
ctl.start()
with open(os.path.join(outdir, "port.tmp"), "w") as f:
    f.write("%d\n" % port)
os.rename(os.path.join(outdir, "port.tmp"), os.path.join(outdir, "port"))
done = threading.Event()
signal.signal(signal.SIGTERM, lambda *a: done.set())
done.wait()
ctl.stop()
