# precip-top10-hbar: candidate 'off20' (seed 2) — values off by 20 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = [
    'Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson', 'Memphis', 'Little Rock', 'Atlanta',
]
inches = [84.6, 50.9, 74, 72.2, 74.6, 35.3, 59.6, 66.5, 56.5, 34.4]
ax.barh(city, inches)
ax.invert_yaxis()
ax.set_xlabel('inches')
ax.set_ylabel('city')
ax.set_title('Wettest US cities, annual precipitation (in)')
plt.tight_layout()
plt.show()
