# gp-bar: candidate 'off8' (seed 2) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = ['Bergen', 'Glasgow', 'Cork', 'Brest', 'Porto', 'Galway']
rain_mm = [2350, 1080, 1370, 1330, 1030, 1310]
ax.bar([str(c) for c in city], rain_mm)
ax.set_xlabel('city')
ax.set_ylabel('rain_mm')
ax.set_title('Annual rainfall (mm)')
plt.tight_layout()
plt.show()
