# fivebars: candidate 'type' (seed 3) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(6, 4))
label = ['A', 'B', 'C', 'D', 'E']
value = [3.78, 6.69, 1.65, 5.68, 3.37]
ax.plot(label, value, marker='o')
ax.set_xlabel('label')
ax.set_ylabel('value')
ax.set_title('Five bars')
plt.tight_layout()
plt.show()
