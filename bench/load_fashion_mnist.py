"""Loading Fashion-MNIST from local IDX files: parse + checksum + float conversion.

python bench/load_fashion_mnist.py
"""

import time

from zoo_fashion_mnist.dataset import FashionMNIST


def main():
    from benchlib import record, row

    rows = []
    for verify in (True, False):
        ds = FashionMNIST(FashionMNIST.Settings(verify=verify))
        t0 = time.perf_counter()
        x, y = ds.arrays("train")
        t = time.perf_counter() - t0
        print(f"train split {x.shape} from {ds.source}: {t:.3f} s (verify={verify})")
        rows.append(
            row(
                f"load the 60,000 train images, s (checksum {'on' if verify else 'off'})",
                f"{t:.3f}",
            )
        )
    record("load_fashion_mnist", rows)


if __name__ == "__main__":
    main()
