# fivebars: candidate 'off8' (seed 1) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
label = ['A', 'B', 'C', 'D', 'E']
value = [2.39, 6.34, 2.41, 4.16, 3.62]
ax.bar([str(c) for c in label], value)
ax.set_xlabel('label')
ax.set_ylabel('value')
ax.set_title('Five bars')
plt.tight_layout()
plt.show()
