"""Builds the extension module semble._semble with the repository's CMake build.

pip runs this (pyproject.toml): it configures the repository one directory up into
$SEMBLE_BUILD_DIR (default: a directory under setuptools' build_temp; an already configured build
directory, such as the repository's build/, is used as it is), builds only the _semble
target (the layers it links, not the server or the tests) with $SEMBLE_BUILD_JOBS parallel jobs
(default 2), and copies the module into the wheel. The interpreter running pip is the one the
module is built for.
"""

import os
import shutil
import subprocess
import sys

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)


class CMakeBuild(build_ext):
    def build_extension(self, ext):
        build_dir = os.environ.get("SEMBLE_BUILD_DIR") or os.path.join(
            os.path.abspath(self.build_temp), "cmake")
        jobs = os.environ.get("SEMBLE_BUILD_JOBS", "2")
        if not os.path.exists(os.path.join(build_dir, "CMakeCache.txt")):  # else reuse it as is
            subprocess.run(["cmake", "-S", REPO, "-B", build_dir, "-DCMAKE_BUILD_TYPE=Release",
                            "-DSEMBLE_BUILD_TESTS=OFF", "-DSEMBLE_BUILD_PYTHON=ON",
                            f"-DPython3_EXECUTABLE={sys.executable}"], check=True)
        subprocess.run(["cmake", "--build", build_dir, "--target", "_semble", "-j", jobs],
                       check=True)
        built = os.path.join(build_dir, "python", "semble")
        module = next((f for f in os.listdir(built) if f.startswith("_semble.") and
                       f.endswith(".so")), None)
        if module is None:
            raise RuntimeError(f"the CMake build did not produce semble/_semble*.so in {built} "
                               "(is pybind11-dev installed?)")
        target = self.get_ext_fullpath(ext.name)
        os.makedirs(os.path.dirname(target), exist_ok=True)
        shutil.copyfile(os.path.join(built, module), target)


setup(ext_modules=[Extension("semble._semble", sources=[])], cmdclass={"build_ext": CMakeBuild})
