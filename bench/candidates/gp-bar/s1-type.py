# gp-bar: candidate 'type' (seed 1) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = ['Bergen', 'Glasgow', 'Cork', 'Brest', 'Porto', 'Galway']
rain_mm = [2420, 1410, 1350, 1340, 1480, 956]
ax.plot(city, rain_mm, marker='o')
ax.set_xlabel('city')
ax.set_ylabel('rain_mm')
ax.set_title('Annual rainfall (mm)')
plt.tight_layout()
plt.show()
