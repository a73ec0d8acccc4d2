"""Sample sets on disk: HDF5 for every domain (FITS, SMILES and tables live in their domains).

See :mod:`scigen.io.samples` for the file layout and :mod:`scigen.io.attrs` for its attributes.
"""

from scigen.io.atomic import atomic_directory, atomic_path, write_bytes_atomic, write_text_atomic
from scigen.io.attrs import SCHEMA, provenance_attrs
from scigen.io.samples import (
    SampleSet,
    SampleSetFile,
    SampleSetWriter,
    read_attrs,
    read_sample_set,
    write_sample_set,
)
from scigen.io.shards import join_shards

__all__ = [
    "SCHEMA", "SampleSet", "SampleSetFile", "SampleSetWriter", "atomic_directory", "atomic_path",
    "join_shards", "provenance_attrs", "read_attrs", "read_sample_set", "write_bytes_atomic",
    "write_sample_set", "write_text_atomic", "SampleSetDataset",
]


def __getattr__(name):  # the torch Dataset loads torch only when asked for
    if name == "SampleSetDataset":
        from scigen.io.torch_data import SampleSetDataset

        return SampleSetDataset
    raise AttributeError(f"module 'scigen.io' has no attribute {name!r}")
