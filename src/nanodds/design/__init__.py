"""Learned design tools: the tumour-delivery predictor trained on the Nano-Tumor database.

* :mod:`nanodds.design.studies` - study groups and study-grouped folds;
* :mod:`nanodds.design.features` - feature pipeline, imputation, domain check;
* :mod:`nanodds.design.forest` - tree ensembles as plain arrays (no pickle);
* :mod:`nanodds.design.predict` - prediction with the shipped model (NumPy only);
* :mod:`nanodds.design.cv`, :mod:`nanodds.design.train`, :mod:`nanodds.design.card` - ``make train``
  (needs the ``design`` extra, scikit-learn).
"""
