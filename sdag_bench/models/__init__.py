"""mmengine models wrapping enhancers (UnsupervisedEnhancerModel)."""
