# insectsprays-bar: candidate 'missing' (seed 1) — off8 values, the last 2 of 6 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
spray = ['A', 'B', 'C', 'D']
mean_count = [13.3, 16.8, 0.18, 3.28]
ax.bar([str(c) for c in spray], mean_count)
ax.set_xlabel('spray')
ax.set_ylabel('mean_count')
ax.set_title('Mean insect count by spray')
plt.tight_layout()
plt.show()
