"""deploy/nginx/vitrine.conf filled in for this machine: `python -m deploy.nginx [--output FILE]` (`make nginx`).

The folders come from the app's own settings (VITRINE_DATA_DIR), the upstream from `make serve`'s (BIND_HOST,
PORT), the server name from VITRINE_BASE_URL, the prefix of the internal locations from VITRINE_ACCEL_REDIRECT.
Without a certificate of its own (certbot's for the server name, or --certificate/--key) the site starts with
Debian's self-signed one (package ssl-cert), so that certbot can then get a real one through it.
"""

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import urlsplit

from core.config import from_env
from deploy.serve import DEFAULT_PORT

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "vitrine.conf"
ACCEL_PREFIX = "/_protected/"
SNAKEOIL = (Path("/etc/ssl/certs/ssl-cert-snakeoil.pem"), Path("/etc/ssl/private/ssl-cert-snakeoil.key"))


def site_values(env, server_name=None, listen=None, http_port=80, https_port=443, certificate=None,
                key=None) -> dict:  # fmt: skip
    """Every @NAME@ of the template, from the environment and the choices given."""
    data_dir = Path(from_env(env)["DATA_DIR"])
    server_name = server_name or urlsplit(env.get("VITRINE_BASE_URL") or "").hostname or "_"
    if not certificate:
        certificate, key = _certificate_for(server_name)
    return {
        "SERVER_NAME": server_name,
        "UPSTREAM": f"{env.get('BIND_HOST') or '127.0.0.1'}:{env.get('PORT') or DEFAULT_PORT}",
        "LISTEN_HTTP": _listen(listen, http_port, ""),
        "LISTEN_HTTPS": _listen(listen, https_port, " ssl http2"),
        "TLS_CERTIFICATE": str(certificate),
        "TLS_KEY": str(key),
        "APP_DIR": str(ROOT),
        "DATA_DIR": str(data_dir),
        # The app's defaults (core.config.finalise): the folders are not settings of their own.
        "FILES_DIR": str(data_dir / "files"),
        "DERIVATIVES_DIR": str(data_dir / "derivatives"),
        "PUBLICATIONS_DIR": str(data_dir / "publications"),
        "ACCEL_PREFIX": env.get("VITRINE_ACCEL_REDIRECT") or ACCEL_PREFIX,
    }


def _listen(address: str | None, port: int, options: str) -> str:
    if address:
        return f"listen {address}:{port}{options};"
    return f"listen {port}{options};\n    listen [::]:{port}{options};"


def _certificate_for(server_name: str) -> tuple[Path, Path]:
    live = Path("/etc/letsencrypt/live") / server_name
    if (live / "fullchain.pem").exists():
        return live / "fullchain.pem", live / "privkey.pem"
    print(f"no certificate for {server_name}: the site uses Debian's self-signed one until certbot gets one "
          "(README \"Deployment\")", file=sys.stderr)  # fmt: skip
    return SNAKEOIL


def render(values: dict) -> str:
    """The template with every @NAME@ replaced; an unknown name is an error, not a broken config."""
    text = TEMPLATE.read_text()
    missing = set(re.findall(r"@([A-Z_]+)@", text)) - set(values)
    if missing:
        raise KeyError(f"no value for {', '.join(sorted(missing))}")
    return re.sub(r"@([A-Z_]+)@", lambda match: values[match.group(1)], text)


def main(argv=None) -> int:
    """Print (or write) the site's configuration."""
    import os

    parser = argparse.ArgumentParser(prog="python -m deploy.nginx", description=__doc__.split("\n")[0])
    parser.add_argument("--server-name", help="the site's host name (default: VITRINE_BASE_URL's)")
    parser.add_argument("--listen", help="one address to listen on (default: every IPv4 and IPv6 address)")
    parser.add_argument("--http-port", type=int, default=80)
    parser.add_argument("--https-port", type=int, default=443)
    parser.add_argument("--certificate", help="the TLS certificate chain (with --key)")
    parser.add_argument("--key", help="the TLS private key")
    parser.add_argument("--output", type=Path, help="write here instead of printing")
    args = parser.parse_args(argv)
    if bool(args.certificate) != bool(args.key):
        parser.error("--certificate and --key go together")
    text = render(site_values(os.environ, args.server_name, args.listen, args.http_port, args.https_port,
                              args.certificate, args.key))  # fmt: skip
    if args.output:
        args.output.write_text(text)
    else:
        sys.stdout.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
