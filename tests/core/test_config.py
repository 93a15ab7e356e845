from pathlib import Path

from app import create_app
from core.config import from_env


def test_environment_variables_are_read():
    found = from_env({"VITRINE_DATA_DIR": "/tmp/x", "DATABASE_URL": "postgres://u:p@h/db",
                      "SECRET_KEY": "s", "VITRINE_BASE_URL": "https://vitrine.example/"})  # fmt: skip
    assert found == {"DATA_DIR": "/tmp/x", "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://u:p@h/db",
                     "SECRET_KEY": "s", "BASE_URL": "https://vitrine.example"}  # fmt: skip


def test_secret_key_is_generated_once_and_kept_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("VITRINE_DATA_DIR", str(tmp_path))
    first = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    second = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["SECRET_KEY"]
    assert first == second and len(first) == 64
    assert (Path(tmp_path) / "secret_key").read_text() == first
    assert (Path(tmp_path) / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_sqlite_in_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("VITRINE_DATA_DIR", str(tmp_path))
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'vitrine.sqlite3'}"
    assert app.config["STORAGE_DIR"] == str(tmp_path / "files")


def test_the_default_base_url_follows_port_and_says_it_is_the_default(tmp_path, monkeypatch):
    monkeypatch.delenv("VITRINE_BASE_URL", raising=False)
    monkeypatch.setenv("VITRINE_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("PORT", "8123")
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["PORT"] == 8123
    assert (app.config["BASE_URL"], app.config["BASE_URL_IS_DEFAULT"]) == ("http://127.0.0.1:8123", True)
    monkeypatch.delenv("PORT")
    assert create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config["BASE_URL"] == "http://127.0.0.1:5000"
    monkeypatch.setenv("VITRINE_BASE_URL", "https://vitrine.example.vn/")
    configured = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).config
    assert (configured["BASE_URL"], configured["BASE_URL_IS_DEFAULT"]) == ("https://vitrine.example.vn", False)


def test_make_run_serves_on_port_and_passes_it_on():
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text()
    assert "PORT ?= 5000" in makefile
    assert "PORT=$(PORT) $(FLASK) run --host 127.0.0.1 --port $(PORT)" in makefile
