# precip-top10-hbar: candidate 'missing' (seed 2) — off8 values, the last 3 of 10 categories left out; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = ['Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson']
inches = [60.2, 63.7, 62.8, 49.3, 47.5, 59.1, 46.4]
ax.barh(city, inches)
ax.invert_yaxis()
ax.set_xlabel('inches')
ax.set_ylabel('city')
ax.set_title('Wettest US cities, annual precipitation (in)')
plt.tight_layout()
plt.show()
