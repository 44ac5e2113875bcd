# fivebars: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
label = ['A', 'B', 'C', 'D', 'E']
value = [5.3, 5.2, 5.52, 6.61, 2.09]
ax.bar([str(c) for c in label], value)
ax.set_xlabel('label')
ax.set_ylabel('value')
ax.set_title('Five bars')
plt.tight_layout()
plt.show()
