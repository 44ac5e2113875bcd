# insectsprays-bar: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
spray = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [20.5, 10.9, 9.19, 12.8, 8.85, 24.8]
ax.bar([str(c) for c in spray], mean_count)
ax.set_xlabel('spray')
ax.set_ylabel('mean_count')
ax.set_title('Mean insect count by spray')
plt.tight_layout()
plt.show()
