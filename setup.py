"""Builds the tagger's compiled evidence pass (nlp/_evidence.pyx); everything else is in pyproject.toml."""

import numpy
from Cython.Build import cythonize
from setuptools import Extension, setup

extension = Extension(
    "nlp._evidence",
    ["nlp/_evidence.pyx"],
    language="c++",
    include_dirs=[numpy.get_include()],
    extra_compile_args=["-O2"],
)
setup(ext_modules=cythonize([extension], compiler_directives={"language_level": 3}))
