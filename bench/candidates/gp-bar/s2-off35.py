# gp-bar: candidate 'off35' (seed 2) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = ['Bergen', 'Glasgow', 'Cork', 'Brest', 'Porto', 'Galway']
rain_mm = [3220, 1990, 169, 1870, 252, 2260]
ax.bar([str(c) for c in city], rain_mm)
ax.set_xlabel('city')
ax.set_ylabel('rain_mm')
ax.set_title('Annual rainfall (mm)')
plt.tight_layout()
plt.show()
