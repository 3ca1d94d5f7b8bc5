"""A database of a test's own."""
import uuid

import pytest
import sqlalchemy as sa


@pytest.fixture(params=["sqlite", "postgres"])
def fresh_url(request, tmp_path):
    """The URL of an empty database: an SQLite file, or a PostgreSQL schema of the test's
    own (the test database is shared with other tests), dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = f"test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f"CREATE SCHEMA {name}"))
    yield str(sa.engine.make_url(server).update_query_dict(
        {"options": f"-csearch_path={name}"}))
    with admin.connect() as connection:
        connection.execute(sa.text(f"DROP SCHEMA {name} CASCADE"))
    admin.dispose()
