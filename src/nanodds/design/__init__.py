"""Design tools: the learned tumour-delivery predictor (Nano-Tumor database) and the design optimiser.

* :mod:`nanodds.design.studies` - study groups and study-grouped folds;
* :mod:`nanodds.design.features` - feature pipeline, imputation, domain check;
* :mod:`nanodds.design.forest` - tree ensembles as plain arrays (no pickle);
* :mod:`nanodds.design.predict` - prediction with the shipped model (NumPy only);
* :mod:`nanodds.design.cv`, :mod:`nanodds.design.train`, :mod:`nanodds.design.card` - ``make train``
  (needs the ``design`` extra, scikit-learn);
* :mod:`nanodds.design.space`, :mod:`nanodds.design.metrics`, :mod:`nanodds.design.optimise`,
  :mod:`nanodds.design.outputs` - ``nanodds design`` (NSGA-II over the shared forward model, pymoo).
"""
