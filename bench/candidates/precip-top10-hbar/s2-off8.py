# precip-top10-hbar: candidate 'off8' (seed 2) — values off by 8 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = [
    'Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson', 'Memphis', 'Little Rock', 'Atlanta',
]
inches = [60.2, 63.7, 62.8, 49.3, 47.5, 59.1, 46.4, 42.7, 54.8, 42.1]
ax.barh(city, inches)
ax.invert_yaxis()
ax.set_xlabel('inches')
ax.set_ylabel('city')
ax.set_title('Wettest US cities, annual precipitation (in)')
plt.tight_layout()
plt.show()
