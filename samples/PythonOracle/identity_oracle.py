"""The cheapest oracle: every sample valid. It measures what the protocol itself costs (genneg bench --external-oracle)."""
import numpy as np

from genneg_oracle import serve

if __name__ == "__main__":
    serve(lambda request: np.ones(len(request["samples"]), dtype=bool))
