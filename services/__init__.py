"""The gateway's services. LiteLLM must never fetch its cost map from the internet, whichever module imports it
first (router, the policy judge, a script): switch that off before anything can import litellm."""

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
