"""Serve a private ClickHouse 26.9 over HTTP and native TCP from chdb-core's clickhouse-local.

Usage: python clickhouse_launcher.py RUN_DIR [EXTRA_CONFIG]
Writes RUN_DIR/config.xml and RUN_DIR/ports (http and tcp port, one per line) once the
listeners are up, then blocks until SIGTERM. Data lives in RUN_DIR/data; logs go to stderr.

EXTRA_CONFIG (optional) is a file of XML elements to merge into config.xml: either a bare
fragment (`<zookeeper>…</zookeeper><macros>…</macros>…`) or a whole `<clickhouse>…</clickhouse>`
document. Each of its top-level elements replaces the default element of the same name
(`http_port`, `tcp_port`, `listen_host`, `background_distributed_schedule_pool_size`) or is
appended. So a caller that must know the ports in advance (a cluster's `remote_servers`) passes
`<http_port>` and `<tcp_port>`; RUN_DIR/ports then holds those. Without EXTRA_CONFIG the config
is the default one, with two free loopback ports.
"""
import os
import socket
import time
import sys
import xml.etree.ElementTree as ET


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_free(port):
    # As the server binds: with SO_REUSEADDR, so connections of the previous run still in
    # TIME_WAIT on the port do not count as taken.
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
            return True
        except OSError:
            return False


def default_config(http, tcp):
    return (
        "<clickhouse>"
        f"<http_port>{http}</http_port><tcp_port>{tcp}</tcp_port>"
        "<listen_host>127.0.0.1</listen_host>"
        "<background_distributed_schedule_pool_size>2</background_distributed_schedule_pool_size>"
        "</clickhouse>"
    )


def merged_config(http, tcp, extra_path):
    """The default config with the top-level elements of extra_path merged in; returns the XML
    text and the (http, tcp) ports it finally names."""
    with open(extra_path) as f:
        text = f.read().strip()
    try:
        extra = ET.fromstring(text)
        if extra.tag != "clickhouse":
            raise ET.ParseError("not a <clickhouse> document")
    except ET.ParseError:
        try:
            extra = ET.fromstring(f"<clickhouse>{text}</clickhouse>")
        except ET.ParseError as e:
            sys.exit(f"clickhouse_launcher: {extra_path} is not an XML fragment: {e}")
    root = ET.fromstring(default_config(http, tcp))
    for child in list(extra):
        old = root.find(child.tag)
        if old is None:
            root.append(child)
        else:
            root[list(root).index(old)] = child
    http = int(root.findtext("http_port"))
    tcp = int(root.findtext("tcp_port"))
    return ET.tostring(root, encoding="unicode"), http, tcp


def main():
    run = os.path.abspath(sys.argv[1])
    os.makedirs(os.path.join(run, "data"), exist_ok=True)
    http, tcp = free_port(), free_port()
    last = os.path.join(run, "ports.last")
    if os.path.exists(last):
        # A restart keeps the ports of the previous run (scripts/clickhouse.sh moved them here).
        with open(last) as f:
            ports = [int(p) for p in f.read().split()]
        # The previous process may still be letting go of them: wait a little.
        for _ in range(50):
            if len(ports) == 2 and all(port_free(p) for p in ports):
                http, tcp = ports
                break
            time.sleep(0.2)
    if len(sys.argv) > 2:
        config, http, tcp = merged_config(http, tcp, sys.argv[2])
    else:
        config = default_config(http, tcp)
    with open(os.path.join(run, "config.xml"), "w") as f:
        f.write(config)
    with open(os.path.join(run, "ports.tmp"), "w") as f:
        f.write(f"{http}\n{tcp}\n")
    os.replace(os.path.join(run, "ports.tmp"), os.path.join(run, "ports"))
    # clickhouse-local reads ./config.xml, so the working directory is the run directory.
    os.chdir(run)
    from chdb import _chdb

    # The listeners live as long as this query runs; it never ends on its own.
    _chdb.query(
        "SYSTEM START LISTEN HTTP; SYSTEM START LISTEN TCP; "
        "SELECT sleepEachRow(3) FROM system.numbers SETTINGS "
        "function_sleep_max_microseconds_per_block=0, max_block_size=1, max_execution_time=0",
        "TabSeparated",
        path=os.path.join(run, "data"),
    )


if __name__ == "__main__":
    main()
