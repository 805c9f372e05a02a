"""Serve a private ClickHouse 26.9 over HTTP and native TCP from chdb-core's clickhouse-local.

Usage: python clickhouse_launcher.py RUN_DIR
Writes RUN_DIR/ports (http and tcp port, one per line) once the listeners are up, then blocks
until SIGTERM. Data lives in RUN_DIR/data; logs go to stderr.
"""
import os
import socket
import sys


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    run = os.path.abspath(sys.argv[1])
    os.makedirs(os.path.join(run, "data"), exist_ok=True)
    http, tcp = free_port(), free_port()
    with open(os.path.join(run, "config.xml"), "w") as f:
        f.write(
            "<clickhouse>"
            f"<http_port>{http}</http_port><tcp_port>{tcp}</tcp_port>"
            "<listen_host>127.0.0.1</listen_host>"
            "<background_distributed_schedule_pool_size>2</background_distributed_schedule_pool_size>"
            "</clickhouse>"
        )
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
