# fivebars: candidate 'missing' (seed 2) — off8 values, the last 2 of 5 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
label = ['A', 'B', 'C']
value = [3.37, 6.23, 1.25]
ax.bar([str(c) for c in label], value)
ax.set_xlabel('label')
ax.set_ylabel('value')
ax.set_title('Five bars')
plt.tight_layout()
plt.show()
