"""Copy the Clauset et al. (2009) data sets shipped by PyPI ``powerlaw`` into this folder.

Source: the wheel/sdist of ``powerlaw`` 2.0.0 (https://pypi.org/project/powerlaw/2.0.0/),
folder ``powerlaw/reference_data/`` (same files as github.com/jeffalstott/powerlaw). The
files are the data of Clauset, Shalizi & Newman (2009), originally distributed at
http://tuvalu.santafe.edu/~aaronc/powerlaws/data.htm; sizes match Table 6.1's n for all
eight sets. ``quakes.txt`` there is already 10**(original values) (see powerlaw's
``testing/test_reference_data.py``). We store gzip copies and record the sha256 of each
original text file in ``SHA256SUMS``.

Run: ``python tests/reference/powerlaw/make_data.py`` (needs ``powerlaw`` installed).
"""

from __future__ import annotations

import gzip
import hashlib
import pathlib

import powerlaw

SETS = ("words", "terrorism", "blackouts", "cities", "fires", "flares", "quakes", "surnames")

here = pathlib.Path(__file__).parent
src = pathlib.Path(powerlaw.__file__).parent / "reference_data"
lines = []
for name in SETS:
    raw = (src / f"{name}.txt").read_bytes()
    lines.append(f"{hashlib.sha256(raw).hexdigest()}  {name}.txt  (powerlaw {powerlaw.__version__})")
    with gzip.GzipFile(here / f"{name}.txt.gz", "wb", mtime=0) as fh:
        fh.write(raw)
(here / "SHA256SUMS").write_text("\n".join(lines) + "\n")
