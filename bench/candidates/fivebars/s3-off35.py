# fivebars: candidate 'off35' (seed 3) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
label = ['A', 'B', 'C', 'D', 'E']
value = [5.8, 4.85, 5.26, 3.69, 6.64]
ax.bar([str(c) for c in label], value)
ax.set_xlabel('label')
ax.set_ylabel('value')
ax.set_title('Five bars')
plt.tight_layout()
plt.show()
