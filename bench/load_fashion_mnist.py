"""Loading Fashion-MNIST from local IDX files: parse + checksum + float conversion.

    python bench/load_fashion_mnist.py
"""

import time

from zoo_fashion_mnist.dataset import FashionMNIST


def main():
    for verify in (True, False):
        ds = FashionMNIST(FashionMNIST.Settings(verify=verify))
        t0 = time.perf_counter()
        x, y = ds.arrays("train")
        t = time.perf_counter() - t0
        print(f"train split {x.shape} from {ds.source}: {t:.3f} s (verify={verify})")


if __name__ == "__main__":
    main()
