"""Builds the stubs from the .proto files at build time (build_py), then packages src/remotemedia.
The metadata is in pyproject.toml."""
import os
import sys

from setuptools import setup
from setuptools.command.build_py import build_py

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import build_stubs  # noqa: E402


class BuildWithStubs(build_py):
    def run(self):
        super().run()
        build_stubs.generate(os.path.abspath(self.build_lib))


setup(cmdclass={"build_py": BuildWithStubs})
