# insectsprays-bar: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
spray = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [11.3, 18.3, 3.91, 2.99, 6.69, 20]
ax.bar([str(c) for c in spray], mean_count)
ax.set_xlabel('spray')
ax.set_ylabel('mean_count')
ax.set_title('Mean insect count by spray')
plt.tight_layout()
plt.show()
