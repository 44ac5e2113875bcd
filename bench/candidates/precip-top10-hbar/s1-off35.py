# precip-top10-hbar: candidate 'off35' (seed 1) — values off by 35 % of the range on average; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = [
    'Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson', 'Memphis', 'Little Rock', 'Atlanta',
]
inches = [80.9, 75.4, 35.6, 90.5, 89.3, 22, 66.1, 76.7, 77.6, 61]
ax.barh(city, inches)
ax.invert_yaxis()
ax.set_xlabel('inches')
ax.set_ylabel('city')
ax.set_title('Wettest US cities, annual precipitation (in)')
plt.tight_layout()
plt.show()
