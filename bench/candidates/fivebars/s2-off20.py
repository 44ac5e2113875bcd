# fivebars: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
label = ['A', 'B', 'C', 'D', 'E']
value = [2.27, 8.81, 3.73, 4.06, 2.99]
ax.bar([str(c) for c in label], value)
ax.set_xlabel('label')
ax.set_ylabel('value')
ax.set_title('Five bars')
plt.tight_layout()
plt.show()
