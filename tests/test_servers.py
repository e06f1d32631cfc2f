"""The test harness's own port helper: servers started in a row never share a port."""

from __future__ import annotations

import socket

from servers import free_port


def test_free_port_never_hands_out_a_port_twice_and_each_is_bindable() -> None:
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    with socket.socket() as s:
        s.bind(("127.0.0.1", ports[-1]))  # free when handed out
