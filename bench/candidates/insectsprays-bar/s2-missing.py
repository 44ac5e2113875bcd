# insectsprays-bar: candidate 'missing' (seed 2) — off8 values, the last 2 of 6 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
spray = ['A', 'B', 'C', 'D']
mean_count = [13.4, 14, 0.44, 4.23]
ax.bar([str(c) for c in spray], mean_count)
ax.set_xlabel('spray')
ax.set_ylabel('mean_count')
ax.set_title('Mean insect count by spray')
plt.tight_layout()
plt.show()
