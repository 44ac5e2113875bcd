# gp-bar: candidate 'missing' (seed 2) — off8 values, the last 2 of 6 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = ['Bergen', 'Glasgow', 'Cork', 'Brest']
rain_mm = [2350, 1080, 1370, 1330]
ax.bar([str(c) for c in city], rain_mm)
ax.set_xlabel('city')
ax.set_ylabel('rain_mm')
ax.set_title('Annual rainfall (mm)')
plt.tight_layout()
plt.show()
