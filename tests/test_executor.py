"""The one executor: order, laziness, errors and scheduler addresses."""

import socket
import time

import pytest

from specbound.errors import InvalidArgumentError
from specbound.simulations.executor import connect, map_tasks, open_executor


def square(x: int) -> int:
    return x * x


def fail_on_three(x: int) -> int:
    if x == 3:
        raise ZeroDivisionError("three")
    return x


@pytest.mark.parametrize("workers", [1, 2])
def test_map_tasks_keeps_input_order(workers):
    assert map_tasks(square, range(20), workers=workers, progress=False) == [
        x * x for x in range(20)
    ]
    assert map_tasks(square, range(5), jobs=workers, progress=False) == [0, 1, 4, 9, 16]


def test_imap_unordered_pulls_items_lazily_and_yields_each_once():
    pulled = []

    def items():
        for i in range(50):
            pulled.append(i)
            yield i

    with open_executor(2) as ex:
        stream = ex.imap_unordered(square, items(), window=3)
        first = next(stream)
        assert len(pulled) <= 4  # the window, plus one refill
        rest = list(stream)
    got = dict([first, *rest])
    assert got == {i: i * i for i in range(50)}


@pytest.mark.parametrize("workers", [1, 2])
def test_a_failing_task_raises(workers):
    with pytest.raises(ZeroDivisionError, match="three"):
        map_tasks(fail_on_three, range(6), workers=workers, progress=False)


def test_bad_addresses_and_silent_schedulers_fail_fast():
    with pytest.raises(InvalidArgumentError, match="scheduler: expected tcp://HOST:PORT"):
        connect("tcp://nohost")
    with pytest.raises(InvalidArgumentError, match="Connection refused"):
        connect("tcp://127.0.0.1:1")
    with socket.socket() as server:  # accepts TCP connections, never answers
        server.bind(("127.0.0.1", 0))
        server.listen()
        address = f"tcp://127.0.0.1:{server.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(InvalidArgumentError, match=f"cannot reach '{address}' within 0.5 s"):
            connect(address, timeout=0.5)
        assert time.monotonic() - start < 5
    with pytest.raises(InvalidArgumentError, match="workers: must be >= 1"):
        open_executor(0)
