"""Python's `redis` package against srdb's TABLE.* commands, unmodified.

Run by `resp_tables.rs` (python_redis_package_reads_and_writes_tables)
with the port of a fresh server as the only argument; exits non-zero with
the failed assertion on any difference. Checks RESP2 and RESP3 replies as
the library decodes them, errors as exceptions, and a pipeline.
"""

import json
import sys

import redis

SCHEMA = {
    "srdb_schema": 1,
    "version": 1,
    "fields": [
        {"name": "city", "type": "string", "required": True, "indexed": True},
        {"name": "temp", "type": "float64", "nullable": True},
        {"name": "rainy", "type": "bool", "default": False},
        {"name": "at", "type": "time", "nullable": True},
    ],
}


def check(port):
    r2 = redis.Redis(port=port, protocol=2)
    r3 = redis.Redis(port=port, protocol=3)
    assert r2.execute_command("TABLE.CREATE", "weather", json.dumps(SCHEMA)) in (b"OK", True)
    assert r2.execute_command("TABLE.LIST") == [b"weather"]

    rows = [
        {"city": "Oslo", "temp": -3.5, "rainy": True, "at": "2024-01-02T03:04:05.5Z"},
        {"city": "Lima", "temp": 19.25},
        {"city": "Pune", "temp": None},
    ]
    pipe = r2.pipeline(transaction=False)
    for row in rows:
        pipe.execute_command("TABLE.INSERT", "weather", json.dumps(row))
    assert pipe.execute() == [1, 2, 3]

    # RESP2: a row is a flat list of field and value.
    flat = r2.execute_command("TABLE.GET", "weather", 1, "city", "temp", "rainy", "at")
    assert flat == [b"city", b"Oslo", b"temp", b"-3.5", b"rainy", 1,
                    b"at", b"2024-01-02T03:04:05.5Z"], flat

    # RESP3: a row is a dict; floats are floats, booleans booleans, NULL None.
    got = r3.execute_command("TABLE.QUERY", "weather",
                             "SELECT _seq, city, temp, rainy ORDER BY city")
    assert got == [
        {b"_seq": 2, b"city": b"Lima", b"temp": 19.25, b"rainy": False},
        {b"_seq": 1, b"city": b"Oslo", b"temp": -3.5, b"rainy": True},
        {b"_seq": 3, b"city": b"Pune", b"temp": None, b"rainy": False},
    ], got
    assert r3.execute_command("TABLE.COUNT", "weather", "temp IS NULL") == 1
    assert r3.execute_command("TABLE.GET", "weather", 99) is None
    assert r3.execute_command("TABLE.DEL", "weather", 3) == 1
    assert r3.execute_command("TABLE.COUNT", "weather") == 2

    indexes = r3.execute_command("TABLE.INDEX", "LIST", "weather")
    assert indexes == [{b"field": b"city", b"unique": False, b"state": b"ready"}], indexes

    for args, text in [
        (("TABLE.GET", "nope", 1), "no such table 'nope'"),
        (("TABLE.INSERT", "weather", '{"temp": 1}'), "The field `city` is missing"),
        (("TABLE.QUERY", "weather", "temp >"), "error at 6"),
    ]:
        try:
            r3.execute_command(*args)
        except redis.ResponseError as e:
            assert text in str(e), (args, str(e))
        else:
            raise AssertionError(f"{args} did not fail")

    schema = json.loads(r2.execute_command("TABLE.SCHEMA", "weather"))
    assert [f["name"] for f in schema["fields"]] == ["city", "temp", "rainy", "at"]
    assert r2.execute_command("TABLE.DROP", "weather") in (b"OK", True)
    assert r2.execute_command("TABLE.LIST") == []


if __name__ == "__main__":
    check(int(sys.argv[1]))
    print("python tables: ok")
