# insectsprays-bar: candidate 'exact' (seed 2) — the table's values; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
spray = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [14.5, 15.3333333333333, 2.08333333333333, 4.91666666666667, 3.5, 16.6666666666667]
ax.bar([str(c) for c in spray], mean_count)
ax.set_xlabel('spray')
ax.set_ylabel('mean_count')
ax.set_title('Mean insect count by spray')
plt.tight_layout()
plt.show()
