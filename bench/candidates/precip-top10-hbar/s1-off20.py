# precip-top10-hbar: candidate 'off20' (seed 1) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = [
    'Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson', 'Memphis', 'Little Rock', 'Atlanta',
]
inches = [59.6, 71.2, 44.8, 75.7, 68.2, 35.9, 61.7, 59.8, 31.4, 33.3]
ax.barh(city, inches)
ax.invert_yaxis()
ax.set_xlabel('inches')
ax.set_ylabel('city')
ax.set_title('Wettest US cities, annual precipitation (in)')
plt.tight_layout()
plt.show()
