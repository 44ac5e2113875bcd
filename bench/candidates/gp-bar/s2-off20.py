# gp-bar: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = ['Bergen', 'Glasgow', 'Cork', 'Brest', 'Porto', 'Galway']
rain_mm = [1750, 624, 541, 798, 640, 864]
ax.bar([str(c) for c in city], rain_mm)
ax.set_xlabel('city')
ax.set_ylabel('rain_mm')
ax.set_title('Annual rainfall (mm)')
plt.tight_layout()
plt.show()
