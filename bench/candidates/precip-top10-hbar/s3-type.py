# precip-top10-hbar: candidate 'type' (seed 3) — off8 values drawn as a bar chart; written by bench/candidates/generate.mjs
import matplotlib.pyplot as plt

fig, ax = plt.subplots(figsize=(8, 6))
city = [
    'Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson', 'Memphis', 'Little Rock', 'Atlanta',
]
inches = [73.8, 64.8, 53.6, 53.8, 48, 46.6, 44.8, 43.3, 56.2, 53.7]
ax.bar([str(c) for c in city], inches)
ax.set_xlabel('city')
ax.set_ylabel('inches')
ax.set_title('Wettest US cities, annual precipitation (in)')
plt.tight_layout()
plt.show()
