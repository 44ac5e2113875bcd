# insectsprays-bar: candidate 'type' (seed 2) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
spray = ['A', 'B', 'C', 'D', 'E', 'F']
mean_count = [13.4, 14, 0.44, 4.23, 2.75, 18]
ax.plot(spray, mean_count, marker='o')
ax.set_xlabel('spray')
ax.set_ylabel('mean_count')
ax.set_title('Mean insect count by spray')
plt.tight_layout()
plt.show()
