"""Packaging detail pyproject.toml cannot express: ``resources/`` (top of the repository) is installed as the package
data ``app/resources`` (read by :mod:`app.models.resources` through ``importlib.resources``). Everything else about the
project is in pyproject.toml."""

from setuptools import find_namespace_packages, find_packages, setup

RESOURCES = [
    "app.resources",
    *(f"app.resources.{name}" for name in find_namespace_packages(where="resources")),
]

setup(
    packages=[*find_packages(include=["app*", "server*"]), *RESOURCES],
    package_dir={"app.resources": "resources"},
    package_data={
        "app": ["migrations/*.ini", "migrations/*.mako", "migrations/*.py", "migrations/versions/*.py"],
        **{name: ["*"] for name in RESOURCES},
    },
)
