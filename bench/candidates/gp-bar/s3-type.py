# gp-bar: candidate 'type' (seed 3) — off8 values drawn as a line chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = ['Bergen', 'Glasgow', 'Cork', 'Brest', 'Porto', 'Galway']
rain_mm = [2450, 1420, 1460, 984, 1070, 988]
ax.plot(city, rain_mm, marker='o')
ax.set_xlabel('city')
ax.set_ylabel('rain_mm')
ax.set_title('Annual rainfall (mm)')
plt.tight_layout()
plt.show()
