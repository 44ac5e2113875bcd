# gp-grouped: candidate 'missing' (seed 2) — off8 values, the last series left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt
import numpy as np

fig, ax = plt.subplots(figsize=(8, 6))
quarter = ['Q1', 'Q2', 'Q3', 'Q4']
north = [48.8, 45.4, 34.2, 55.2]
ax.plot(quarter, north, marker='o')
ax.set_xlabel('quarter')
ax.set_ylabel('north')
ax.set_title('Sales by quarter')
plt.tight_layout()
plt.show()
