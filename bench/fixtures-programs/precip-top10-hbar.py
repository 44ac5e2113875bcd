# precip: the ten wettest US cities, annual precipitation in inches (ggplot2 horizontal bars), 800x600
import matplotlib.pyplot as plt

cities = ['Mobile', 'Miami', 'San Juan', 'New Orleans', 'Juneau', 'Jacksonville', 'Jackson', 'Memphis', 'Little Rock', 'Atlanta']
inches = [67.0, 59.8, 59.2, 56.8, 54.7, 54.5, 49.2, 49.1, 48.5, 48.3]

fig = plt.figure(figsize=(8, 6), dpi=100)
# panel in pixels: x 93..792, y 33..554
ax = fig.add_axes([93 / 800, 1 - 554 / 600, 699 / 800, 521 / 600])
ax.set_facecolor('#ebebeb')
for s in ax.spines.values():
    s.set_visible(False)
y = list(range(len(cities), 0, -1))  # Mobile on top
ax.barh(y, inches, height=0.9, color='#2c7fb8', zorder=2)
ax.set_xlim(-3.263, 70.316)
ax.set_ylim(0.4143, 10.5857)
ax.set_xticks([0, 20, 40, 60])
ax.set_xticks([10, 30, 50, 70], minor=True)
ax.set_yticks(y)
ax.set_yticklabels(cities)
ax.grid(True, which='major', color='white', linewidth=1.0, zorder=0)
ax.grid(True, which='minor', axis='x', color='white', linewidth=0.5, zorder=0)
ax.set_axisbelow(True)
ax.tick_params(which='major', length=3, width=0.8, color='#333333', labelsize=8.8, labelcolor='#4d4d4d', pad=2.5)
ax.tick_params(which='minor', length=0)
ax.set_xlabel('Inches', fontsize=11, labelpad=1.5)
ax.set_title('Wettest US cities, annual precipitation (in)', fontsize=13.2, loc='left', pad=8.5)
